package org.pushgate.gateway.transport;

import java.nio.ByteBuffer;
import java.util.function.Function;

import org.pushgate.gateway.protocol.OutboundFrame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Server-to-client WebSocket frames (RFC 6455, section 5.2), encoded once and shared by every socket that
 * sends them. A server's frames are not masked, so the bytes of a frame are the same for every client: the
 * header and the payload are written once into one heap array, and each socket writes a duplicate of it (its own
 * read index over the same bytes; no encoder, no per-subscriber allocation but the view). The native transport
 * copies each write into its pooled direct memory, as it must for any heap buffer.
 *
 * <p>The shared buffer is an unreleasable wrapper of a plain byte array: Netty's release after a write is a
 * no-op on it and the GC frees it with the last frame referring to it. Nothing here is reference-counted, so
 * nothing can leak or be released twice, whatever way a subscriber's queue is dropped. A heap array rather than
 * {@code ByteBuffer.allocateDirect}, which runs on the writing event loop and can stall it (the JDK reserves
 * direct memory with a GC and sleeps when it runs short).
 */
final class WireFrames {

    private static final int FIN = 0x80;
    private static final int OPCODE_TEXT = 0x1;
    private static final int OPCODE_PING = 0x9;

    /** The shared encoding of a frame; pass to {@link OutboundFrame#wire}. */
    static final Function<OutboundFrame, ByteBuf> ENCODER = WireFrames::encode;

    private WireFrames() {
    }

    /** A duplicate of the frame's shared wire encoding, for one write. */
    static ByteBuf duplicateOf(OutboundFrame frame) {
        return frame.<ByteBuf>wire(ENCODER).duplicate();
    }

    static ByteBuf encode(OutboundFrame frame) {
        if (frame.kind() == OutboundFrame.Kind.HEARTBEAT_PING) {
            // Two WebSocket frames in one buffer: the heartbeat's text frame, then an empty ping. One write, one flush.
            ByteBuffer buffer = ByteBuffer.allocate(frameLength(frame.payload().length) + frameLength(0));
            put(buffer, OPCODE_TEXT, frame.payload());
            put(buffer, OPCODE_PING, new byte[0]);
            buffer.flip();
            return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(buffer));
        }
        int opcode = frame.kind() == OutboundFrame.Kind.PING ? OPCODE_PING : OPCODE_TEXT;
        ByteBuffer buffer = ByteBuffer.allocate(frameLength(frame.payload().length));
        put(buffer, opcode, frame.payload());
        buffer.flip();
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(buffer));
    }

    private static int frameLength(int length) {
        return (length < 126 ? 2 : length <= 0xFFFF ? 4 : 10) + length;
    }

    private static void put(ByteBuffer buffer, int opcode, byte[] payload) {
        int length = payload.length;
        buffer.put((byte) (FIN | opcode));
        if (length < 126) {
            buffer.put((byte) length);
        }
        else if (length <= 0xFFFF) {
            buffer.put((byte) 126);
            buffer.putShort((short) length);
        }
        else {
            buffer.put((byte) 127);
            buffer.putLong(length);
        }
        buffer.put(payload);
    }
}
