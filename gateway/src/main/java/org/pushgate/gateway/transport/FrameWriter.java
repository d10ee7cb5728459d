package org.pushgate.gateway.transport;

import java.nio.channels.ClosedChannelException;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

import org.pushgate.gateway.protocol.OutboundFrame;
import org.reactivestreams.Subscription;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Writes one connection's outbound frames to its Netty channel, on the channel's event loop, one frame
 * requested at a time.
 *
 * <p>A frame that arrives on the event loop (whatever comes from the subscriber buffer, whose one producer is
 * this loop: messages, replies, probes, the keep-alive wheel's heartbeats and pings; or the next buffered frame
 * once the previous one is written) is written at once. A frame that arrives on another thread is handed to the
 * loop through a single slot and one task (this object itself: nothing is allocated for the hand-off). The slot is
 * enough because at most one frame is requested at a time. A keep-alive round with a heartbeat and a ping is one
 * frame ({@code HEARTBEAT_PING}), so one write and one flush.
 *
 * <p>Writes take the void promise (no future, no listener per frame). While the channel stays writable the
 * next frame is requested right after the write; once Netty's outbound buffer is past its high-water mark,
 * the next frame is requested only when everything written so far has left, so a peer that stops reading
 * backs up into its bounded subscriber buffer and nowhere else. A frame marked shared (a message to a channel
 * with several subscribers, heartbeats, pings) goes out as a duplicate of its one wire encoding
 * ({@link WireFrames}); any other (a reply, a message to one or a few sockets) is encoded into pooled memory
 * released after the write.
 *
 * <p>A WebSocket's frames are written as their wire bytes, from the WebSocket encoder's own context when no handler
 * between it and the pipeline's tail takes outbound messages (found on the first write): a write from the channel
 * starts at the tail and visits every handler context on the way (the upgraded socket's decoder, aggregator and
 * Reactor Netty's bridge, then the encoder, which passes bytes on untouched), a walk over one socket's own objects
 * per frame, ~7% of a fan-out's CPU in a profile (docs/benchmarks.md 10g). Handlers nearer the head (the lingering
 * close, say) still see every write. Otherwise, and for other encodings (SSE), frames are written from the channel.
 *
 * <p>Another transport (Server-Sent Events) reuses the same writer with its own encoding of a frame
 * ({@link #send(Channel, Flux, Function)}): the backpressure, and so the slow-consumer cut, are the same for all.
 */
public final class FrameWriter implements CoreSubscriber<OutboundFrame>, Runnable, ChannelFutureListener {

    private final Channel channel;
    private final EventLoop loop;
    private final MonoSink<Void> result;
    private final Function<OutboundFrame, Object> toWire;
    private volatile Subscription upstream;
    private volatile OutboundFrame handoff;
    private volatile boolean done;
    private int requests; // event loop only: request(1) calls owed (a trampoline: no recursion per frame)
    private ChannelOutboundInvoker writesFrom; // event loop only: where frames enter the pipeline (the first write)

    FrameWriter(Channel channel, MonoSink<Void> result) {
        this(channel, result, FrameWriter::webSocketFrame);
    }

    private FrameWriter(Channel channel, MonoSink<Void> result, Function<OutboundFrame, Object> toWire) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.result = result;
        this.toWire = toWire;
    }

    /**
     * Writes the frames to the channel as {@code toWire} encodes them, one frame requested at a time; completes when
     * they complete, errors when the channel can no longer be written to.
     *
     * @param toWire called on the channel's event loop, one frame at a time; returns what to write (a ByteBuf or a
     *               Netty message, released by Netty after the write), or null to skip the frame
     */
    public static Mono<Void> send(Channel channel, Flux<OutboundFrame> frames, Function<OutboundFrame, Object> toWire) {
        return Mono.create(result -> {
            FrameWriter writer = new FrameWriter(channel, result, toWire);
            result.onCancel(writer::cancel);
            frames.subscribe(writer);
        });
    }

    /** A WebSocket frame's wire bytes: the shared encoding, or a text frame of its own in pooled memory. */
    static Object webSocketFrame(OutboundFrame frame) {
        // Pings and heartbeats are always shared (ServerFrames), so an unshared frame is text.
        return frame.sharesWire()
                ? WireFrames.duplicateOf(frame)
                : WireFrames.encodeOwn(ByteBufAllocator.DEFAULT, frame);
    }

    /**
     * Where this channel's frames enter its pipeline: the WebSocket encoder's context when no handler between it
     * and the tail takes outbound messages (frames are wire bytes, which the encoder would pass on untouched), else
     * the channel (the tail). Loop only.
     */
    static ChannelOutboundInvoker entry(Channel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        ChannelHandlerContext encoder = pipeline.context(WebSocketFrameEncoder.class);
        if (encoder == null) {
            return channel;
        }
        boolean past = false;
        for (Map.Entry<String, ChannelHandler> handler : pipeline) { // head to tail
            if (past && handler.getValue() instanceof ChannelOutboundHandler) {
                return channel; // it may want to see (or change) the frames: they go the whole way
            }
            past |= handler.getValue() == encoder.handler();
        }
        return encoder;
    }

    @Override
    public void onSubscribe(Subscription s) {
        upstream = s;
        s.request(1);
    }

    @Override
    public void onNext(OutboundFrame frame) {
        if (done) {
            return;
        }
        if (loop.inEventLoop()) {
            write(frame);
            return;
        }
        handoff = frame;
        try {
            loop.execute(this);
        }
        catch (RejectedExecutionException shuttingDown) {
            fail(shuttingDown);
        }
    }

    /** The hand-off task, on the event loop. */
    @Override
    public void run() {
        OutboundFrame frame = handoff;
        handoff = null;
        if (frame != null) {
            write(frame);
        }
    }

    private void write(OutboundFrame frame) {
        if (done) {
            return;
        }
        if (!channel.isActive()) {
            // The socket is gone; the inbound side sees the same and ends the connection.
            fail(new ClosedChannelException());
            return;
        }
        Object message = toWire.apply(frame);
        if (message == null) {
            requestNext(); // nothing to write for this frame on this transport
            return;
        }
        ChannelOutboundInvoker to = writesFrom;
        if (to == null) {
            to = writesFrom = entry(channel);
        }
        to.writeAndFlush(message, channel.voidPromise());
        if (channel.isWritable()) {
            requestNext();
        }
        else {
            // Backed up: resume when all that was written has left (one promise, only on this slow path).
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(this);
        }
    }

    /** The backed-up socket has drained (or failed). */
    @Override
    public void operationComplete(ChannelFuture future) {
        if (future.isSuccess()) {
            requestNext();
        }
        else {
            fail(future.cause());
        }
    }

    private void requestNext() {
        if (requests++ != 0) {
            return; // a request(1) further up this stack delivered the frame: it loops instead of recursing
        }
        do {
            if (done) {
                requests = 0;
                return;
            }
            upstream.request(1);
        } while (--requests != 0);
    }

    private void fail(Throwable error) {
        if (done) {
            return;
        }
        done = true;
        upstream.cancel();
        result.error(error);
    }

    @Override
    public void onError(Throwable error) {
        if (!done) {
            done = true;
            result.error(error);
        }
    }

    @Override
    public void onComplete() {
        if (!done) {
            done = true;
            result.success();
        }
    }

    /** The send was cancelled (the connection pipeline ended). */
    void cancel() {
        done = true;
        Subscription s = upstream;
        if (s != null) {
            s.cancel();
        }
    }
}
