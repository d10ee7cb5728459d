package org.pushgate.load.worker;

import java.util.List;

import org.pushgate.load.client.Frames;
import org.reactivestreams.Publisher;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * One client WebSocket: opens, reads the gateway's frames into {@link WorkerStats}, and closes in one of three
 * ways: a close frame (the end of a run), or abruptly without one (churn: RST via SO_LINGER 0, or a bare FIN).
 * A slow connection reads like any other until {@link #stall()}, with a small, fixed receive buffer (set at
 * connect: shrinking it later would make the kernel drop segments and the gateway back off in retransmission).
 * Stalling turns auto-read off, so that buffer fills and the TCP window closes on the gateway; {@link #wake()}
 * turns reading back on. (Inbound demand stays unbounded: Reactor Netty's receive fast path then leaves auto-read
 * to us.)
 */
final class WsConnection {

    final int index;
    final boolean slow;
    private final String uri;
    private final List<String> initialFrames;
    private final WorkerStats stats;
    /** Every text frame is a message's data (Nchan): no envelope to look into. */
    private final boolean rawFrames;
    /** Centrifugo's JSON protocol ({@link CentrifugoWire}) instead of the gateway's own. */
    private final boolean centrifugo;

    private volatile Connection connection;
    private volatile WebsocketOutbound out;
    private volatile Disposable subscription;
    private volatile boolean opened;
    private volatile boolean terminated;
    private volatile boolean closing;
    private volatile int closeCode = Integer.MIN_VALUE;
    private long startNanos;
    private long lastOffset = -1;

    private final Sinks.One<Boolean> openSignal = Sinks.one();
    private final Sinks.Empty<Void> ackSignal = Sinks.empty();
    private final Sinks.Empty<Void> endSignal = Sinks.empty();

    WsConnection(int index, boolean slow, String uri, List<String> initialFrames, WorkerStats stats) {
        this(index, slow, uri, initialFrames, stats, false, false);
    }

    WsConnection(int index, boolean slow, String uri, List<String> initialFrames, WorkerStats stats, boolean rawFrames,
                 boolean centrifugo) {
        this.rawFrames = rawFrames;
        this.centrifugo = centrifugo;
        this.index = index;
        this.slow = slow;
        this.uri = uri;
        this.initialFrames = initialFrames;
        this.stats = stats;
    }

    void start(HttpClient client) {
        startNanos = System.nanoTime();
        stats.attempts.increment();
        subscription = client.websocket(Clients.SPEC)
                .uri(uri)
                .handle(this::handle)
                .subscribe(null, this::onError, this::onComplete);
    }

    private Publisher<Void> handle(WebsocketInbound in, WebsocketOutbound outbound) {
        synchronized (this) {
            if (terminated) {
                // Abandoned at its connect timeout and counted as failed: let it go.
                return Mono.empty();
            }
            opened = true;
        }
        stats.recordHandshake(System.nanoTime() - startNanos);
        stats.opened.increment();
        stats.open.incrementAndGet();
        out = outbound;
        in.withConnection(c -> {
            connection = c;
            // Text frames are read straight from Netty's buffer (see FrameTap); the rest go on to Reactor Netty.
            c.addHandlerLast("pushgate.load.tap", new FrameTap());
        });
        // Only this connection emits, once: the result can only be OK.
        openSignal.tryEmitValue(Boolean.TRUE);

        Mono<Void> closeStatus = in.receiveCloseStatus().doOnNext(s -> closeCode = s.code()).then();
        Mono<Void> frames = in.receiveFrames().doOnNext(this::onFrame).then();
        Mono<Void> send = initialFrames.isEmpty() ? Mono.empty()
                : outbound.sendString(Flux.fromIterable(initialFrames)).then();
        return Mono.when(frames, closeStatus, send);
    }

    private void onError(Throwable error) {
        terminate(error);
    }

    private void onComplete() {
        terminate(null);
    }

    private synchronized void terminate(Throwable error) {
        if (terminated) {
            return;
        }
        terminated = true;
        if (!opened) {
            WorkerStats.inc(stats.failures, error == null ? "closed_during_handshake" : FailureCause.of(error));
            openSignal.tryEmitValue(Boolean.FALSE); // may already hold a value: then nobody waits
        }
        else {
            stats.open.decrementAndGet();
            if (closing) {
                stats.closedByClient.increment();
            }
            else {
                String code = closeCode == Integer.MIN_VALUE || closeCode == -1 || closeCode == 1006
                        ? "abrupt" : String.valueOf(closeCode);
                WorkerStats.inc(slow ? stats.serverClosesSlow : stats.serverClosesFast, code);
            }
        }
        endSignal.tryEmitEmpty(); // single emitter, once: the result can only be OK
    }

    /** Emits true once open, false when the attempt failed. */
    Mono<Boolean> whenOpen() {
        return openSignal.asMono();
    }

    Mono<Void> whenAcked() {
        return ackSignal.asMono();
    }

    Mono<Void> whenTerminated() {
        return endSignal.asMono();
    }

    boolean isOpen() {
        return opened && !terminated;
    }

    boolean isTerminated() {
        return terminated;
    }

    boolean isPending() {
        return !opened && !terminated;
    }

    /** Fails an attempt that has not opened in time. */
    void abandon(String cause) {
        synchronized (this) {
            if (opened || terminated) {
                return;
            }
            terminated = true;
            WorkerStats.inc(stats.failures, cause);
            openSignal.tryEmitValue(Boolean.FALSE);
            endSignal.tryEmitEmpty();
        }
        Disposable d = subscription;
        if (d != null) {
            d.dispose();
        }
    }

    /** A normal close: a close frame 1000, then the server's close frame or the end of the socket. */
    void close() {
        closing = true;
        WebsocketOutbound o = out;
        if (o != null && isOpen()) {
            o.sendClose(1000, "load run done").subscribe(null, e -> dispose());
        }
        else {
            dispose();
        }
    }

    /**
     * Closes without a close frame, as a crashed client or a dropped network would. With {@code rst} the socket
     * is closed with SO_LINGER 0, so the kernel sends a RST instead of a FIN.
     */
    void abort(boolean rst) {
        closing = true;
        Connection c = connection;
        if (c == null) {
            dispose();
            return;
        }
        Channel ch = c.channel();
        if (rst) {
            try {
                ch.config().setOption(ChannelOption.SO_LINGER, 0);
            }
            catch (RuntimeException ignored) {
                // The socket may already be closing; a FIN is then as good.
            }
        }
        ch.close();
    }

    void dispose() {
        closing = true;
        Disposable d = subscription;
        if (d != null) {
            d.dispose();
        }
        Connection c = connection;
        if (c != null) {
            c.dispose();
        }
    }

    void stall() {
        Connection c = connection;
        if (c != null) {
            Channel ch = c.channel();
            ch.eventLoop().execute(() -> ch.config().setAutoRead(false));
        }
    }

    void wake() {
        Connection c = connection;
        if (c == null) {
            return;
        }
        Channel ch = c.channel();
        ch.eventLoop().execute(() -> {
            ch.config().setAutoRead(true);
            ch.read();
        });
    }

    private void onMessage(CharSequence text) {
        stats.receivedAll.increment();
        if (slow) {
            stats.receivedSlow.increment();
            return;
        }
        // The gateway's per-channel offset: +1 per publish, so a fast subscriber sees 1, 2, 3... (its first one may
        // be later). Only this connection's event loop runs here, so the last offset needs no synchronisation.
        long offset = Frames.longField(text, "offset", -1);
        if (offset >= 0) {
            stats.offsetsSeen.increment();
            if (lastOffset >= 0 && offset <= lastOffset) {
                stats.outOfOrder.increment();
            }
            else if (lastOffset >= 0 && offset > lastOffset + 1) {
                stats.missedByOffset.add(offset - lastOffset - 1);
            }
            lastOffset = Math.max(lastOffset, offset);
        }
        long t = Frames.longField(text, "t", -1);
        long p = Frames.longField(text, "p", -1);
        if (t > 0 && p >= 0 && p < WorkerStats.PHASES) {
            stats.recordLatency((int) p, System.nanoTime() - t);
        }
    }

    private void onFrame(WebSocketFrame frame) {
        if (frame instanceof TextWebSocketFrame text) {
            onText(text.text());
        }
        else {
            stats.otherFrames.increment();
        }
    }

    /**
     * Takes the gateway's text frames off the pipeline before Reactor Netty's inbound Flux and reads the fields
     * the generator needs from the frame's bytes (no String, no Flux signal per frame: at tens of thousands of
     * frames per second on a shared 2-core machine, that is CPU taken from the gateway under test). Other frames
     * (close, ping) go on as before.
     */
    private final class FrameTap extends io.netty.channel.ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame text) {
                try {
                    onText(new Frames.ByteChars(text.content()));
                }
                finally {
                    text.release();
                }
                return;
            }
            ctx.fireChannelRead(msg);
        }
    }

    void onText(CharSequence text) {
        if (centrifugo) {
            onCentrifugoText(text);
            return;
        }
        if (rawFrames || Frames.stringFieldIs(text, "op", "message")) {
            onMessage(text); // the hot path: no String made
            return;
        }
        String op = Frames.stringField(text, "op");
        if (op == null) {
            stats.otherFrames.increment();
            return;
        }
        switch (op) {
            case "message" -> onMessage(text);
            case "heartbeat" -> stats.heartbeats.increment();
            case "subscribed" -> {
                stats.acks.increment();
                ackSignal.tryEmitEmpty(); // later acks of the same connection find it done: ignored
            }
            case "unsubscribed" -> stats.acks.increment();
            case "error" -> {
                String code = Frames.stringField(text, "code");
                WorkerStats.inc(stats.errorCodes, code == null ? "unknown" : code);
                ackSignal.tryEmitError(new IllegalStateException("error frame " + code)); // first signal wins
            }
            default -> stats.otherFrames.increment();
        }
    }

    private void onCentrifugoText(CharSequence text) {
        switch (CentrifugoWire.kind(text)) {
            case PUB -> onMessage(text);
            case PING -> {
                stats.heartbeats.increment();
                WebsocketOutbound o = out;
                if (o != null && !closing) {
                    o.sendString(Mono.just("{}")).then().subscribe(null, e -> { });
                }
            }
            case SUBSCRIBED -> {
                stats.acks.increment();
                ackSignal.tryEmitEmpty();
            }
            case ERROR -> {
                long code = Frames.longField(text, "code", -1);
                WorkerStats.inc(stats.errorCodes, code < 0 ? "unknown" : String.valueOf(code));
                ackSignal.tryEmitError(new IllegalStateException("error reply " + code));
            }
            default -> stats.otherFrames.increment(); // the connect reply, other pushes
        }
    }
}
