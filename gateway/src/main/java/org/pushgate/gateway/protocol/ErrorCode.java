package org.pushgate.gateway.protocol;

/** Machine-readable error codes sent in {@code {"op":"error","code":...}} frames; see docs/protocol.md. */
public enum ErrorCode {
    BAD_JSON("bad_json"),
    BAD_FRAME("bad_frame"),
    UNKNOWN_OP("unknown_op"),
    INVALID_CHANNEL("invalid_channel"),
    ALREADY_SUBSCRIBED("already_subscribed"),
    NOT_SUBSCRIBED("not_subscribed"),
    UNSUPPORTED_FRAME("unsupported_frame"),
    TOO_MANY_SUBSCRIPTIONS("too_many_subscriptions"),
    NOT_CONNECTED("not_connected"),
    ALREADY_CONNECTED("already_connected"),
    FORBIDDEN("forbidden"),
    INVALID_TOKEN("invalid_token"),
    RATE_LIMITED("rate_limited"),
    /** The broker could not be reached in time; the subscribe did not happen; try again. */
    BROKER_UNAVAILABLE("broker_unavailable"),
    /** A command this gateway does not serve (Centrifugo's presence, rpc); only /connection/websocket sends it. */
    NOT_AVAILABLE("not_available"),
    /** A history read from a position of another epoch; only /connection/websocket sends it. */
    UNRECOVERABLE_POSITION("unrecoverable_position");

    private final String wire;

    ErrorCode(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
