package org.pushgate.gateway.transport;

import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.protocol.OutboundFrame;
import org.pushgate.gateway.protocol.ServerFrames;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.util.ReferenceCountUtil;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

import static org.assertj.core.api.Assertions.assertThat;

/** The socket writer on a Netty EmbeddedChannel: what goes on the wire, flushes, demand, and how it ends. */
class FrameWriterTest {

    static final Duration VERIFY = Duration.ofSeconds(5);

    final AtomicInteger flushes = new AtomicInteger();
    final EmbeddedChannel channel = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
        @Override
        public void flush(ChannelHandlerContext ctx) {
            flushes.incrementAndGet();
            ctx.flush();
        }
    });

    Mono<Void> send(Flux<OutboundFrame> frames) {
        return Mono.create(result -> {
            FrameWriter writer = new FrameWriter(channel, result);
            result.onCancel(writer::cancel);
            frames.subscribe(writer);
        });
    }

    List<Object> written() {
        List<Object> out = new ArrayList<>();
        Object m;
        while ((m = channel.readOutbound()) != null) {
            if (m instanceof ByteBuf buf && !buf.isReadable()) {
                continue; // the drain marker a backed-up writer adds: no bytes on the wire
            }
            out.add(m);
        }
        return out;
    }

    static OutboundFrame fanOutMessage(String json) {
        return new OutboundFrame(OutboundFrame.Kind.MESSAGE, json.getBytes(StandardCharsets.UTF_8)).shareWire();
    }

    @Test
    void sharedFramesGoOutAsCompleteWebSocketFramesAndRepliesAsTheirOwn() {
        OutboundFrame message = fanOutMessage("{\"op\":\"message\"}");
        StepVerifier.create(send(Flux.just(message, OutboundFrame.reply("{\"op\":\"subscribed\"}"), ServerFrames.PING)))
                .expectComplete()
                .verify(VERIFY);

        List<Object> out = written();
        assertThat(out).hasSize(3);
        ByteBuf wire = (ByteBuf) out.get(0);
        byte[] payload = "{\"op\":\"message\"}".getBytes(StandardCharsets.UTF_8);
        byte[] expected = new byte[2 + payload.length];
        expected[0] = (byte) 0x81;           // FIN + text
        expected[1] = (byte) payload.length; // unmasked, 7-bit length
        System.arraycopy(payload, 0, expected, 2, payload.length);
        assertThat(ByteBufUtil.getBytes(wire)).containsExactly(expected);
        byte[] reply = "{\"op\":\"subscribed\"}".getBytes(StandardCharsets.UTF_8);
        byte[] replyFrame = new byte[2 + reply.length];
        replyFrame[0] = (byte) 0x81;
        replyFrame[1] = (byte) reply.length;
        System.arraycopy(reply, 0, replyFrame, 2, reply.length);
        assertThat(ByteBufUtil.getBytes((ByteBuf) out.get(1))).containsExactly(replyFrame);
        assertThat(ByteBufUtil.getBytes((ByteBuf) out.get(2))).containsExactly((byte) 0x89, (byte) 0x00);
        out.forEach(ReferenceCountUtil::release);
    }

    /** A reply of each length class encodes as Netty's own server encoder would write it (header and payload). */
    @Test
    void aRepliesBytesAreWhatNettysEncoderWrites() {
        for (int length : new int[] {0, 125, 126, 65_535, 65_536}) {
            OutboundFrame frame = OutboundFrame.reply("x".repeat(length));
            EmbeddedChannel netty = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
            netty.writeOutbound(new TextWebSocketFrame("x".repeat(length)));
            ByteBuf expected = io.netty.buffer.Unpooled.buffer();
            for (Object part; (part = netty.readOutbound()) != null; ) {
                expected.writeBytes((ByteBuf) part);
                ReferenceCountUtil.release(part);
            }
            ByteBuf ours = (ByteBuf) FrameWriter.webSocketFrame(frame);
            assertThat(ByteBufUtil.getBytes(ours)).as("length %d", length).containsExactly(ByteBufUtil.getBytes(expected));
            ours.release();
            expected.release();
            netty.finishAndReleaseAll();
        }
    }

    /** Counts the writes that pass it, and passes them on. */
    static final class WriteCounter extends ChannelOutboundHandlerAdapter {
        final AtomicInteger writes = new AtomicInteger();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            writes.incrementAndGet();
            ctx.write(msg, promise);
        }
    }

    /**
     * On an upgraded socket's pipeline (the encoder, then inbound handlers only), frames enter at the encoder: the
     * handlers nearer the head still see each write, and the bytes on the wire are the same.
     */
    @Test
    void onAnUpgradedSocketFramesEnterAtTheEncoderAndTheHandlersNearerTheHeadSeeThem() {
        WriteCounter nearHead = new WriteCounter();
        EmbeddedChannel socket = new EmbeddedChannel(nearHead, new WebSocket13FrameEncoder(false),
                new WebSocket13FrameDecoder(false, false, 65_536), new ChannelInboundHandlerAdapter());
        assertThat(FrameWriter.entry(socket)).isSameAs(socket.pipeline().context(WebSocket13FrameEncoder.class));

        OutboundFrame message = fanOutMessage("{\"x\":3}");
        StepVerifier.create(Mono.<Void>create(result -> Flux.just(message, OutboundFrame.reply("{\"y\":4}"))
                        .subscribe(new FrameWriter(socket, result))))
                .expectComplete().verify(VERIFY);

        assertThat(nearHead.writes.get()).isEqualTo(2);
        ByteBuf first = socket.readOutbound();
        ByteBuf second = socket.readOutbound();
        assertThat(ByteBufUtil.getBytes(first)).containsExactly(ByteBufUtil.getBytes(WireFrames.encode(message)));
        assertThat(first.getByte(0)).isEqualTo((byte) 0x81);
        assertThat(second.getByte(0)).isEqualTo((byte) 0x81);
        first.release();
        second.release();
        socket.finishAndReleaseAll();
    }

    /** A handler past the encoder that takes outbound messages sees every frame: they go from the tail then. */
    @Test
    void anOutboundHandlerPastTheEncoderSeesEveryFrame() {
        WriteCounter pastEncoder = new WriteCounter();
        EmbeddedChannel socket = new EmbeddedChannel(new WebSocket13FrameEncoder(false), pastEncoder,
                new ChannelInboundHandlerAdapter());
        assertThat(FrameWriter.entry(socket)).isSameAs(socket);

        StepVerifier.create(Mono.<Void>create(result -> Flux.just(fanOutMessage("{\"x\":5}"), OutboundFrame.reply("{}"))
                        .subscribe(new FrameWriter(socket, result))))
                .expectComplete().verify(VERIFY);

        assertThat(pastEncoder.writes.get()).isEqualTo(2);
        socket.finishAndReleaseAll();
    }

    @Test
    void everySocketWritesItsOwnViewOfOneSharedEncoding() {
        OutboundFrame message = fanOutMessage("{\"x\":1}");
        EmbeddedChannel other = new EmbeddedChannel();
        Mono<Void> toOther = Mono.create(result -> Flux.just(message).subscribe(new FrameWriter(other, result)));

        StepVerifier.create(send(Flux.just(message)).then(toOther)).expectComplete().verify(VERIFY);

        ByteBuf first = channel.readOutbound();
        ByteBuf second = other.readOutbound();
        assertThat(first).isNotSameAs(second);
        assertThat(root(first)).as("one encoding under both").isSameAs(root(second));
        assertThat(ByteBufUtil.getBytes(first)).containsExactly(ByteBufUtil.getBytes(second));
        other.finishAndReleaseAll();
    }

    @Test
    void theSharedEncodingIsDirectSoTheNativeTransportWritesItWithoutACopy() {
        OutboundFrame message = fanOutMessage("{\"x\":2}");
        StepVerifier.create(send(Flux.just(message))).expectComplete().verify(VERIFY);
        ByteBuf written = channel.readOutbound();
        // What epoll's filterOutboundMessage asks (UnixChannelUtil.isBufferCopyNeededForWrite): a memory address
        // or a direct buffer means no per-socket copy into pooled memory.
        assertThat(written.isDirect() || written.hasMemoryAddress()).as("direct").isTrue();
        assertThat(WireFrames.allocate(16).isDirect()).as("room in the direct pool").isTrue();
        written.release();
    }

    static ByteBuf root(ByteBuf buf) {
        ByteBuf inner = buf;
        while (inner.unwrap() != null) {
            inner = inner.unwrap();
        }
        return inner;
    }

    @Test
    void everyFrameIsFlushedAsItIsWritten() {
        flushes.set(0);
        // Frames delivered one drain-loop turn at a time (a tick's frames inside concatMap inside merge): nothing is
        // held back for a batch. (Hence the keep-alive round's one combined frame, aKeepAliveRoundIsOneWriteAndOneFlush.)
        Flux<OutboundFrame> tick = Flux.just(0L).concatMap(t -> Flux.just(ServerFrames.HEARTBEAT, ServerFrames.PING), 0);
        StepVerifier.create(send(Flux.merge(1, Flux.<OutboundFrame>never(), tick).take(2)))
                .expectComplete()
                .verify(VERIFY);
        assertThat(written()).hasSize(2);
        assertThat(flushes.get()).as("no frame waits for a later flush").isEqualTo(2);
    }

    /** The keep-alive round's frame: the heartbeat's text frame and a ping frame, in one write and one flush. */
    @Test
    void aKeepAliveRoundIsOneWriteAndOneFlush() {
        flushes.set(0);
        StepVerifier.create(send(Flux.just(ServerFrames.HEARTBEAT_PING))).expectComplete().verify(VERIFY);

        List<Object> out = written();
        assertThat(out).as("one write").hasSize(1);
        assertThat(flushes.get()).as("one flush").isEqualTo(1);
        byte[] heartbeat = "{\"op\":\"heartbeat\"}".getBytes(StandardCharsets.UTF_8);
        byte[] expected = new byte[2 + heartbeat.length + 2];
        expected[0] = (byte) 0x81;             // FIN + text
        expected[1] = (byte) heartbeat.length; // unmasked, 7-bit length
        System.arraycopy(heartbeat, 0, expected, 2, heartbeat.length);
        expected[2 + heartbeat.length] = (byte) 0x89; // FIN + ping
        expected[3 + heartbeat.length] = 0x00;        // empty
        assertThat(ByteBufUtil.getBytes((ByteBuf) out.get(0))).containsExactly(expected);
        out.forEach(ReferenceCountUtil::release);
    }

    @Test
    void asksForOneFrameAtATimeAndWritesEachAsItComes() {
        TestPublisher<OutboundFrame> frames = TestPublisher.create();
        Disposable sending = send(frames.flux()).subscribe();

        frames.assertMinRequested(1).assertMaxRequested(1);
        frames.next(ServerFrames.HEARTBEAT);
        assertThat(written()).hasSize(1);
        frames.assertMaxRequested(1); // the next one was asked for after the write, one again
        frames.next(ServerFrames.PING);
        assertThat(written()).hasSize(1);
        sending.dispose();
        frames.assertCancelled();
    }

    @Test
    void aBackedUpChannelResumesWhenItsWritesHaveLeft() {
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 2)); // every frame crosses it
        TestPublisher<OutboundFrame> frames = TestPublisher.create();
        send(frames.flux()).subscribe();

        for (int i = 0; i < 5; i++) {
            frames.next(fanOutMessage("{\"i\":" + i + "}"));
        }
        frames.complete();
        // The embedded channel writes everything at its flush, so the drain listener resumes at once.
        assertThat(written()).hasSize(5);
    }

    @Test
    void aClosedChannelEndsTheSendWithAnErrorAndCancelsTheFrames() {
        TestPublisher<OutboundFrame> frames = TestPublisher.create();
        StepVerifier.create(send(frames.flux()))
                .then(() -> channel.close())
                .then(() -> frames.next(ServerFrames.HEARTBEAT))
                .expectError(ClosedChannelException.class)
                .verify(VERIFY);
        frames.assertCancelled();
        assertThat(written()).isEmpty();
    }
}
