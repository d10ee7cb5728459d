package org.pushgate.gateway.transport.centrifugo;

import org.pushgate.gateway.connection.CloseReason;
import org.pushgate.gateway.protocol.ErrorCode;

/**
 * Centrifugo's error codes (replies) and disconnect codes (close frames) for pushgate's errors and close reasons; the
 * tables in docs/protocol.md are these two switches. The SDK reconnects after 3000-3499 and stops after 3500-3999,
 * so each close reason maps to a code on the side of its own {@link CloseReason#reconnect()} where Centrifugo has one.
 */
final class CentrifugoCodes {

    private CentrifugoCodes() {
    }

    /** A Centrifugo error: its code, and whether the SDK should retry the command by itself. */
    record Error(int code, boolean temporary) { }

    static Error error(ErrorCode code) {
        return switch (code) {
            case BROKER_UNAVAILABLE -> new Error(100, true); // internal, temporary: the SDK subscribes again
            case NOT_CONNECTED -> new Error(101, false); // unauthorized
            case FORBIDDEN -> new Error(103, false); // permission denied
            case UNKNOWN_OP -> new Error(104, false); // method not found
            case ALREADY_SUBSCRIBED -> new Error(105, false);
            case TOO_MANY_SUBSCRIPTIONS -> new Error(106, false); // limit exceeded
            case BAD_JSON, BAD_FRAME, INVALID_CHANNEL, UNSUPPORTED_FRAME, ALREADY_CONNECTED, NOT_SUBSCRIBED ->
                    new Error(107, false); // bad request
            case NOT_AVAILABLE -> new Error(108, false);
            case INVALID_TOKEN -> new Error(109, false); // token expired: the SDK fetches a new token and tries again
            case RATE_LIMITED -> new Error(111, false); // too many requests
            case UNRECOVERABLE_POSITION -> new Error(112, false);
        };
    }

    /** A Centrifugo disconnect: the close frame's code and reason. */
    record Disconnect(int code, String reason) { }

    static Disconnect disconnect(CloseReason reason) {
        return switch (reason) {
            case CLIENT_CLOSE, RESET -> new Disconnect(3000, "connection closed"); // never sent: the peer is gone
            case SHUTDOWN -> new Disconnect(3001, "shutdown");
            case SERVER_ERROR -> new Disconnect(3004, "internal server error");
            case TOKEN_EXPIRED -> new Disconnect(3005, "connection expired");
            case SLOW_CONSUMER, OUTBOUND_MEMORY -> new Disconnect(3008, "slow");
            case SERVER_CLOSE, ORPHANED -> new Disconnect(3011, "force reconnect");
            case LIVENESS_TIMEOUT -> new Disconnect(3012, "no pong");
            case RATE_LIMITED -> new Disconnect(3013, "too many requests");
            case INVALID_TOKEN -> new Disconnect(3500, "invalid token");
            case PROTOCOL_ERROR, FRAME_TOO_LARGE -> new Disconnect(3501, "bad request");
            case AUTH_TIMEOUT -> new Disconnect(3502, "stale");
            case TOO_MANY_SUBSCRIPTIONS -> new Disconnect(3505, "channel limit");
        };
    }
}
