package org.pushgate.gateway.protocol;

import tools.jackson.databind.JsonNode;

/** A decoded client frame. {@code id} is echoed back verbatim in replies (null when the client sent none). */
public sealed interface ClientCommand {

    JsonNode id();

    /** @param since where the client's copy of the channel ends, to recover from; null for a fresh subscribe */
    record Subscribe(String channel, JsonNode id, Since since) implements ClientCommand {
        public Subscribe(String channel, JsonNode id) {
            this(channel, id, null);
        }
    }

    /** A position the client holds in a channel's stream: the last offset it got, and that stream's epoch. */
    record Since(long offset, String epoch) { }

    /** Authenticates the connection (jwt mode); the token is never logged or echoed. */
    record Connect(String token, JsonNode id) implements ClientCommand {
        @Override
        public String toString() {
            return "Connect[id=" + id + "]";
        }
    }

    /** Replaces the connection's token with a newer one for the same user before it expires. */
    record Refresh(String token, JsonNode id) implements ClientCommand {
        @Override
        public String toString() {
            return "Refresh[id=" + id + "]";
        }
    }

    record Unsubscribe(String channel, JsonNode id) implements ClientCommand { }

    /**
     * Reads a channel's stream (Centrifugo's {@code history}; /ws has no such op).
     *
     * @param limit at most this many messages; 0 the position only
     * @param since read after this position; null from the oldest message kept
     * @param reverse newest first
     */
    record History(String channel, JsonNode id, int limit, Since since, boolean reverse) implements ClientCommand { }

    /** A frame that could not be accepted; the connection stays open and the client gets an error frame. */
    record Invalid(ErrorCode code, String message, JsonNode id) implements ClientCommand { }
}
