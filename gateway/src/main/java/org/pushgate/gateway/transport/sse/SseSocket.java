package org.pushgate.gateway.transport.sse;

import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

import org.pushgate.gateway.connection.ConnectionSocket;
import org.pushgate.gateway.protocol.OutboundFrame;
import org.pushgate.gateway.transport.FrameWriter;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A Server-Sent Events response as a {@link ConnectionSocket}: the connection's frames become events on the
 * response body ({@link SseStream}), written by the same {@link FrameWriter} as a WebSocket's, so backpressure and
 * the slow-consumer cut are the same. It holds the channel, the stream's encoder and the few request facts copied
 * out before the response began.
 *
 * <p>A one-way stream: nothing comes in, so {@link #receive()} only completes, when the peer goes away or when
 * {@link #close} has written the last event (the pipeline then ends, and with it the response); no pong can
 * answer a ping ({@link #answersPings()} is false). SSE has no close handshake: a peer that goes away is reported
 * as a normal close (1000).
 */
final class SseSocket implements ConnectionSocket {

    /** Close codes after which a client must not simply reconnect (docs/protocol.md, close codes). */
    private static final Set<Integer> NO_RECONNECT = Set.of(1002, 1008, 1009, 4005);

    private final Channel channel;
    private final String remoteAddress;
    private final List<String> initialChannels;
    private final List<String> initialSince;
    private final String bearerToken;
    private final SseStream stream;
    private final Sinks.Empty<Void> ended = Sinks.empty();
    private final AtomicBoolean closing = new AtomicBoolean();

    SseSocket(Channel channel, String remoteAddress, List<String> streamChannels, SseEventId.Resume resume,
              String bearerToken) {
        this.channel = channel;
        this.remoteAddress = remoteAddress;
        this.initialChannels = resume.fresh();
        this.initialSince = resume.since();
        this.bearerToken = bearerToken;
        this.stream = new SseStream(channel.alloc(), streamChannels, resume);
    }

    @Override
    public String remoteAddress() {
        return remoteAddress;
    }

    @Override
    public List<String> initialChannels() {
        return initialChannels;
    }

    @Override
    public List<String> initialSince() {
        return initialSince;
    }

    @Override
    public String bearerToken() {
        return bearerToken;
    }

    @Override
    public boolean answersPings() {
        return false;
    }

    @Override
    public String transport() {
        return "sse";
    }

    @Override
    public Flux<InboundFrame> receive() {
        Mono<Void> peerGone = Mono.create(sink -> {
            ChannelFutureListener listener = future -> sink.success();
            channel.closeFuture().addListener(listener);
            sink.onCancel(() -> channel.closeFuture().removeListener(listener));
        });
        return Mono.firstWithSignal(peerGone, ended.asMono()).thenMany(Flux.empty());
    }

    @Override
    public Mono<Void> send(Flux<OutboundFrame> frames) {
        return FrameWriter.send(channel, frames, stream::encode);
    }

    /**
     * Writes the last event ({@code event: close} with the code, the reason and whether to reconnect), then ends
     * the stream: the pipeline completes and the response with it. A peer that does not take the event (a full TCP
     * window) is aborted by the pipeline after the liveness timeout; the write then fails and the stream ends too.
     */
    @Override
    public Mono<Void> close(int code, String reason) {
        return Mono.create(done -> {
            if (!closing.compareAndSet(false, true)) {
                done.success();
                return;
            }
            Runnable writeLast = () -> {
                if (!channel.isActive()) {
                    end();
                    done.success();
                    return;
                }
                channel.writeAndFlush(SseStream.closeEvent(channel.alloc(), code, reason, !NO_RECONNECT.contains(code)))
                        .addListener(written -> {
                            end();
                            done.success();
                        });
            };
            try {
                channel.eventLoop().execute(writeLast);
            }
            catch (java.util.concurrent.RejectedExecutionException loopGone) {
                end(); // the event loop is shutting down, and the channel with it
                done.success();
            }
        });
    }

    private void end() {
        // Only the close path emits, once (guarded by closing): it cannot fail.
        ended.tryEmitEmpty();
    }

    @Override
    public void abort() {
        channel.close();
    }

    @Override
    public Executor executor() {
        return channel.eventLoop();
    }

    @Override
    public boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public Mono<Integer> peerCloseCode() {
        return Mono.just(1000);
    }
}
