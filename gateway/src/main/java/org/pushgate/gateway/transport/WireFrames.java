package org.pushgate.gateway.transport;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.function.Function;

import org.pushgate.gateway.protocol.OutboundFrame;

import com.sun.management.HotSpotDiagnosticMXBean;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * Server-to-client WebSocket frames (RFC 6455, section 5.2), encoded once and shared by every socket that
 * sends them. A server's frames are not masked, so the bytes of a frame are the same for every client: the
 * header and the payload are written once into one buffer, and each socket writes a duplicate of it (its own
 * read index over the same bytes; no encoder, no per-subscriber allocation but the view).
 *
 * <p>The buffer is a direct {@link ByteBuffer} when there is room for it, so that the native transport writes
 * each duplicate from it as it is; a heap array would be copied into pooled direct memory once per socket (a
 * fan-out profile, docs/benchmarks.md 10g: that allocation and copy were ~10% of the gateway's CPU per delivery).
 * Either way it is an unreleasable wrapper: Netty's release after a write is a no-op on it, and the GC frees it
 * (the JDK's cleaner, for direct memory) with the last duplicate referring to it. Nothing here is
 * reference-counted, so nothing can leak or be released twice, whatever way a subscriber's queue is dropped.
 * Direct memory is taken only while the JDK's direct-buffer pool is under half its limit: past that,
 * {@code ByteBuffer.allocateDirect} may run a GC and sleep on the event loop that encodes, so the frame is encoded
 * on the heap instead (and copied per socket, as before).
 */
final class WireFrames {

    private static final int FIN = 0x80;
    private static final int OPCODE_TEXT = 0x1;
    private static final int OPCODE_PING = 0x9;

    /** The JDK's direct-buffer pool (what {@code ByteBuffer.allocateDirect} reserves from), if it reports one. */
    private static final BufferPoolMXBean DIRECT = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)
            .stream().filter(pool -> pool.getName().equals("direct")).findFirst().orElse(null);
    /** Half the JDK's direct-memory limit (-XX:MaxDirectMemorySize, by default the heap's maximum). */
    private static final long DIRECT_ROOM = directLimit() / 2;

    /** The shared encoding of a frame; pass to {@link OutboundFrame#wire}. */
    static final Function<OutboundFrame, ByteBuf> ENCODER = WireFrames::encode;

    private WireFrames() {
    }

    /** A duplicate of the frame's shared wire encoding, for one write. */
    static ByteBuf duplicateOf(OutboundFrame frame) {
        return frame.<ByteBuf>wire(ENCODER).duplicate();
    }

    private static long directLimit() {
        try {
            long configured = Long.parseLong(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .getVMOption("MaxDirectMemorySize").getValue());
            return configured > 0 ? configured : Runtime.getRuntime().maxMemory();
        } catch (RuntimeException e) {
            return Runtime.getRuntime().maxMemory(); // not HotSpot: the JDK's default
        }
    }

    static ByteBuf encode(OutboundFrame frame) {
        if (frame.kind() == OutboundFrame.Kind.HEARTBEAT_PING) {
            // Two WebSocket frames in one buffer: the heartbeat's text frame, then an empty ping. One write, one flush.
            ByteBuffer buffer = allocate(frameLength(frame.payload().length) + frameLength(0));
            put(buffer, OPCODE_TEXT, frame.payload());
            put(buffer, OPCODE_PING, new byte[0]);
            buffer.flip();
            return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(buffer));
        }
        int opcode = frame.kind() == OutboundFrame.Kind.PING ? OPCODE_PING : OPCODE_TEXT;
        ByteBuffer buffer = allocate(frameLength(frame.payload().length));
        put(buffer, opcode, frame.payload());
        buffer.flip();
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(buffer));
    }

    /** Direct while the JDK's direct pool is under half its limit, else on the heap (see the class comment). */
    static ByteBuffer allocate(int size) {
        return DIRECT != null && DIRECT.getMemoryUsed() + size < DIRECT_ROOM ? ByteBuffer.allocateDirect(size)
                : ByteBuffer.allocate(size);
    }

    /**
     * A text frame of one socket's own (a reply, a message to one or a few sockets), encoded into pooled memory of
     * this allocator: released by Netty after the write. The same bytes Netty's server encoder would write; writing
     * them ourselves lets the frame enter the pipeline past the encoder ({@link FrameWriter}).
     */
    static ByteBuf encodeOwn(ByteBufAllocator alloc, OutboundFrame frame) {
        int length = frameLength(frame.payload().length);
        ByteBuf buffer = alloc.ioBuffer(length, length);
        put(buffer.internalNioBuffer(0, length), OPCODE_TEXT, frame.payload());
        return buffer.writerIndex(length);
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
