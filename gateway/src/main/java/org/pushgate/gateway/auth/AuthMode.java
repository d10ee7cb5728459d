package org.pushgate.gateway.auth;

/** How client connections authenticate. */
public enum AuthMode {
    /** Anyone may connect and subscribe to any channel: the embedded default for local use. */
    NONE,
    /** A connection must present a valid JWT (first frame or Authorization header) before subscribing. */
    JWT
}
