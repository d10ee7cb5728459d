package org.pushgate.gateway.connection;

/** What connections report to the outside (metrics). Implementations are cheap and non-blocking. */
public interface ConnectionEvents {

    void disconnected(CloseReason reason);

    void delivered();
}
