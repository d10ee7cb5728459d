package org.pushgate.gateway.connection;

/**
 * Every way a connection can end, with the WebSocket close code the server sends (or saw), the metric
 * tag of {@code gateway_disconnects_total{reason}} and whether a client should reconnect. The table in
 * docs/protocol.md is this enum.
 */
public enum CloseReason {
    /** The peer sent a close frame. */
    CLIENT_CLOSE(1000, "client_close", "closed by client", true),
    /** The socket died without a close frame (TCP reset, process gone): 1006 as seen by the server. */
    RESET(1006, "reset", "connection reset", true),
    /** The server is shutting down; reconnect, ideally to another node. */
    SHUTDOWN(1001, "shutdown", "server shutting down", true),
    /** A WebSocket protocol violation by the peer (malformed frame). */
    PROTOCOL_ERROR(1002, "protocol_error", "protocol error", false),
    /** More subscriptions than gateway.limits.max-subscriptions-per-connection. */
    TOO_MANY_SUBSCRIPTIONS(1008, "too_many_subscriptions", "too many subscriptions", false),
    /** A frame larger than gateway.limits.max-frame-bytes. */
    FRAME_TOO_LARGE(1009, "frame_too_large", "frame too large", false),
    /** An unexpected server-side failure in this connection's pipeline. */
    SERVER_ERROR(1011, "server_error", "internal error", true),
    /** No frame (pong or other) arrived within gateway.liveness.timeout after a ping. */
    LIVENESS_TIMEOUT(4000, "liveness_timeout", "liveness timeout", true),
    /** The outbound buffer overflowed under the disconnect policy; reconnect with backoff. */
    SLOW_CONSUMER(4001, "slow_consumer", "slow consumer", true),
    /** Closed by an operator or by the server's own audit. */
    SERVER_CLOSE(4002, "server_close", "closed by server", true),
    /** Found by the auditor with its socket gone but its resources still held; reclaimed. */
    ORPHANED(4003, "orphaned", "reclaimed by audit", true),
    /** In jwt mode, no valid connect within gateway.auth.connect-timeout. */
    AUTH_TIMEOUT(4004, "auth_timeout", "authentication timeout", true),
    /** The connect token (frame or Authorization header) was missing, forged, expired or otherwise invalid. */
    INVALID_TOKEN(4005, "invalid_token", "invalid token", false),
    /** The token expired and no valid refresh arrived in time; reconnect with a fresh token. */
    TOKEN_EXPIRED(4006, "token_expired", "token expired", true),
    /** Too many commands, persistently, beyond gateway.limits.commands-per-second. */
    RATE_LIMITED(4007, "rate_limited", "too many commands", true),
    /**
     * The bytes queued for all clients passed gateway.outbound.max-total-queued-bytes and this connection held
     * among the most; reconnect with backoff.
     */
    OUTBOUND_MEMORY(4008, "outbound_memory", "server outbound memory limit", true);

    private final int code;
    private final String tag;
    private final String text;
    private final boolean reconnect;

    CloseReason(int code, String tag, String text, boolean reconnect) {
        this.code = code;
        this.tag = tag;
        this.text = text;
        this.reconnect = reconnect;
    }

    public int code() {
        return code;
    }

    public String tag() {
        return tag;
    }

    public String text() {
        return text;
    }

    public boolean reconnect() {
        return reconnect;
    }
}
