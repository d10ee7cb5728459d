package org.pushgate.gateway.protocol;

import java.nio.charset.StandardCharsets;

/**
 * One server-to-client frame, encoded once. A published message is encoded a single time and the same
 * instance (and byte array) is handed to every subscriber buffer: nothing is encoded per subscriber.
 *
 * @param kind what the frame is, so the transport can send a ping as a WebSocket ping
 * @param payload UTF-8 JSON text (empty for pings); never mutated after construction
 */
public record OutboundFrame(Kind kind, byte[] payload) {

    public enum Kind { MESSAGE, REPLY, HEARTBEAT, PING }

    public static OutboundFrame reply(String json) {
        return new OutboundFrame(Kind.REPLY, json.getBytes(StandardCharsets.UTF_8));
    }

    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return kind + ":" + text();
    }
}
