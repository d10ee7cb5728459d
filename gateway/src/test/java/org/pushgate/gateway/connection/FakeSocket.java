package org.pushgate.gateway.connection;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.pushgate.gateway.protocol.OutboundFrame;

import org.reactivestreams.Subscription;

import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.publisher.TestPublisher;

/**
 * A socket without a network: the test pushes inbound frames through a {@link TestPublisher} (which
 * records whether the pipeline cancelled it) and reads what the pipeline sent and how it closed.
 */
public final class FakeSocket implements ConnectionSocket {

    public final TestPublisher<InboundFrame> inbound = TestPublisher.create();
    final List<OutboundFrame> sent = new CopyOnWriteArrayList<>();
    final AtomicInteger sendSubscriptions = new AtomicInteger();
    final AtomicInteger sendCancellations = new AtomicInteger();
    private final Sinks.One<Integer> peerClose = Sinks.one();
    private final java.util.concurrent.atomic.AtomicBoolean inboundEnded = new java.util.concurrent.atomic.AtomicBoolean();
    private final List<String> initialChannels;
    public volatile Integer closedWithCode;
    /** The socket is gone but the transport never told the pipeline: the leak the auditor exists for. */
    public volatile boolean vanished;

    public FakeSocket(String... initialChannels) {
        this.initialChannels = List.of(initialChannels);
    }

    @Override
    public String remoteAddress() {
        return "127.0.0.1";
    }

    @Override
    public List<String> initialChannels() {
        return initialChannels;
    }

    /** {@code ?since=} values of the upgrade request. */
    public volatile List<String> initialSince = List.of();

    @Override
    public List<String> initialSince() {
        return initialSince;
    }

    @Override
    public Flux<InboundFrame> receive() {
        return inbound.flux();
    }

    /**
     * When true, the socket never asks for a frame by itself: a peer whose TCP window is full. A test may still
     * let frames through one by one with {@code sender.request(n)}, as a busy writer would.
     */
    volatile boolean stalled;
    volatile BaseSubscriber<OutboundFrame> sender;

    @Override
    public Mono<Void> send(Flux<OutboundFrame> frames) {
        if (stalled) {
            return Mono.create(sink -> frames.subscribe(new BaseSubscriber<OutboundFrame>() {
                @Override
                protected void hookOnSubscribe(Subscription subscription) {
                    sendSubscriptions.incrementAndGet();
                    sender = this;
                    sink.onCancel(this);
                }

                @Override
                protected void hookOnNext(OutboundFrame frame) {
                    sent.add(frame);
                }

                @Override
                protected void hookOnComplete() {
                    sink.success();
                }

                @Override
                protected void hookOnError(Throwable error) {
                    sink.error(error);
                }

                @Override
                protected void hookOnCancel() {
                    sendCancellations.incrementAndGet();
                }
            }));
        }
        return frames.doOnSubscribe(s -> sendSubscriptions.incrementAndGet())
                .doOnCancel(sendCancellations::incrementAndGet)
                .doOnNext(sent::add)
                .then();
    }

    @Override
    public Mono<Void> close(int code, String reason) {
        if (code == 1005 || code == 1006 || code == 1015) {
            // As Netty does: these codes are reserved for reporting and may never be sent in a close frame.
            throw new IllegalArgumentException("WebSocket close status code does NOT comply with RFC-6455: " + code);
        }
        if (closeFrameStuck) {
            // The frame sits behind unsent data: the write never completes, nothing reaches the peer.
            return Mono.<Void>fromRunnable(() -> closedWithCode = closedWithCode == null ? code : closedWithCode)
                    .then(Mono.never());
        }
        return Mono.fromRunnable(() -> {
            if (closedWithCode == null) {
                closedWithCode = code;
            }
            // Like a real socket: once closed, the inbound side ends.
            peerClose.tryEmitValue(code);
            endInbound();
        });
    }

    /** False: a one-way stream (SSE) that cannot answer pings. */
    public volatile boolean answersPings = true;

    @Override
    public boolean answersPings() {
        return answersPings;
    }

    /** The Authorization header's bearer token at upgrade, if any. */
    public volatile String bearerToken;

    @Override
    public String bearerToken() {
        return bearerToken;
    }

    /** Set when the pipeline gave up on a close handshake and dropped the TCP connection. */
    public volatile boolean aborted;

    /** When true, close() sends nothing and the socket stays open: a peer whose TCP window is full. */
    public volatile boolean closeFrameStuck;

    @Override
    public void abort() {
        aborted = true;
        peerClose.tryEmitValue(1006); // like Reactor Netty: a channel closed without a close frame reports 1006
        endInbound();
    }

    /** Runs offers inline: a unit test drives everything from its own thread, which is then the one producer. */
    @Override
    public java.util.concurrent.Executor executor() {
        return io.netty.util.concurrent.ImmediateEventExecutor.INSTANCE;
    }

    @Override
    public boolean isOpen() {
        return !vanished && !aborted && (closedWithCode == null || closeFrameStuck) && !inboundEnded.get();
    }

    @Override
    public Mono<Integer> peerCloseCode() {
        return peerClose.asMono();
    }

    /** The peer sends a close frame with this code. */
    public void peerCloses(int code) {
        peerClose.tryEmitValue(code);
        endInbound();
    }

    /** The TCP connection dies without a close frame. */
    public void dies() {
        peerClose.tryEmitValue(1006);
        endInbound();
    }

    private void endInbound() {
        if (inboundEnded.compareAndSet(false, true)) {
            inbound.complete();
        }
    }

    /** The transport reports an error on the inbound side. */
    public void fail(Throwable error) {
        if (inboundEnded.compareAndSet(false, true)) {
            inbound.error(error);
        }
    }

    public void text(String json) {
        inbound.next(InboundFrame.text(json));
    }

    /** Frames of this kind sent; a heartbeat-and-ping frame counts as a heartbeat and as a ping. */
    public long count(OutboundFrame.Kind kind) {
        return sent.stream().filter(f -> is(f, kind)).count();
    }

    public List<String> texts(OutboundFrame.Kind kind) {
        return sent.stream().filter(f -> is(f, kind)).map(OutboundFrame::text).toList();
    }

    private static boolean is(OutboundFrame frame, OutboundFrame.Kind kind) {
        return frame.kind() == kind || frame.kind() == OutboundFrame.Kind.HEARTBEAT_PING
                && (kind == OutboundFrame.Kind.HEARTBEAT || kind == OutboundFrame.Kind.PING);
    }
}
