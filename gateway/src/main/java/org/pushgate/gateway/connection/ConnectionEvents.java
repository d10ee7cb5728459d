package org.pushgate.gateway.connection;

/** What connections report to the outside (metrics). Implementations are cheap and non-blocking. */
public interface ConnectionEvents {

    void disconnected(CloseReason reason);

    void delivered();

    /**
     * A connection of this transport ({@code ws}, {@code sse}) speaking this client protocol ({@code pushgate},
     * {@code centrifugo}) was admitted and opened.
     */
    default void opened(String transport, String protocol) {
    }
}
