package org.pushgate.gateway.protocol;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * One server-to-client frame, encoded once. A published message is encoded a single time and the same
 * instance (and byte array) is handed to every subscriber buffer: nothing is encoded per subscriber.
 *
 * <p>The transport may attach its own wire encoding of the frame ({@link #wire}), made by whichever
 * subscriber writes the frame first and then shared by all the others, so a fan-out to N subscribers
 * encodes the wire frame once, not N times.
 */
public final class OutboundFrame {

    /**
     * What the frame is. {@code HEARTBEAT_PING} is a heartbeat and a liveness ping that leave together, in one write
     * and one flush (the keep-alive round of a socket that answers pings, when both intervals are equal): its payload
     * is the heartbeat's, and the transport writes both (a WebSocket: the heartbeat's text frame, then a ping frame).
     */
    public enum Kind { MESSAGE, REPLY, HEARTBEAT, PING, HEARTBEAT_PING }

    private final Kind kind;
    private final byte[] payload;
    private final String channel; // messages only: the channel and offset, for recovery's merge by offset
    private final long offset;
    private volatile Object wire;
    private volatile Object alternate; // a second protocol's encoding (Centrifugo's push of a message)
    private boolean shared; // set before the frame is handed to any buffer (the hand-off publishes it)

    /**
     * @param kind what the frame is, so the transport can send a ping as a WebSocket ping
     * @param payload UTF-8 JSON text (empty for pings); never mutated after construction
     */
    public OutboundFrame(Kind kind, byte[] payload) {
        this(kind, payload, null, 0);
    }

    /** A message of a channel's stream, at its offset. */
    OutboundFrame(Kind kind, byte[] payload, String channel, long offset) {
        this.kind = kind;
        this.payload = payload;
        this.channel = channel;
        this.offset = offset;
    }

    public static OutboundFrame reply(String json) {
        return new OutboundFrame(Kind.REPLY, json.getBytes(StandardCharsets.UTF_8));
    }

    public Kind kind() {
        return kind;
    }

    public byte[] payload() {
        return payload;
    }

    /** The channel of a message frame; null for any other frame. */
    public String channel() {
        return channel;
    }

    /** The stream offset of a message frame; 0 for any other frame. */
    public long offset() {
        return offset;
    }

    /**
     * The transport's encoding of this frame, made on first use. Two threads may race to make it; both
     * encodings are equal and one is kept, so the encoder must be pure and its result immutable.
     */
    @SuppressWarnings("unchecked")
    public <T> T wire(Function<OutboundFrame, T> encoder) {
        Object encoded = wire;
        if (encoded == null) {
            encoded = encoder.apply(this);
            wire = encoded;
        }
        return (T) encoded;
    }

    /**
     * Another protocol's encoding of this frame (a message as Centrifugo's push), made on first use and kept beside
     * {@link #wire}, so a fan-out that reaches sockets of both protocols encodes each once, not once per subscriber.
     * The same rules as {@link #wire}: a pure encoder, an immutable result.
     */
    @SuppressWarnings("unchecked")
    public <T> T alternateWire(Function<OutboundFrame, T> encoder) {
        Object encoded = alternate;
        if (encoded == null) {
            encoded = encoder.apply(this);
            alternate = encoded;
        }
        return (T) encoded;
    }

    /**
     * Marks this frame as sent to many sockets, so that the transport encodes it once and shares the encoding
     * (worth it for a fan-out; a frame for one or a few sockets is cheaper to encode per write into pooled,
     * promptly released memory). Call before the frame is handed to any subscriber buffer.
     */
    public OutboundFrame shareWire() {
        shared = true;
        return this;
    }

    /** Whether {@link #shareWire()} was called. */
    public boolean sharesWire() {
        return shared;
    }

    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return kind + ":" + text();
    }
}
