package org.pushgate.load.cluster;

import java.util.concurrent.atomic.AtomicInteger;

import org.pushgate.load.client.Frames;

import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * One client of one channel that keeps its stream position as a real client does (the {@code epoch} of its last
 * {@code subscribed} reply and the offset of the last message it took) and checks each recovery: after a
 * {@code subscribe} with {@code since}, the reply's {@code recovered} and then exactly the missed offsets, in
 * order. Each {@link #open} is one socket (one attempt); {@link Tally} counts what all clients saw. The frame
 * handlers run on the socket's event loop only, so the per-attempt fields need no lock; the coordinator reads
 * them after {@link #done} or {@link #closed} (volatile writes last).
 */
final class StreamClient {

    static final WebsocketClientSpec SPEC = WebsocketClientSpec.builder().maxFramePayloadLength(1 << 20).build();

    /** Counts over all clients, read by the coordinator's bounded wait loops. */
    static final class Tally {
        final AtomicInteger subscribed = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger recoveredTrue = new AtomicInteger();
        final AtomicInteger recoveredFalse = new AtomicInteger();
        final AtomicInteger insufficientState = new AtomicInteger();
        final AtomicInteger errorFrames = new AtomicInteger();
        final AtomicInteger gaps = new AtomicInteger();
        final AtomicInteger duplicates = new AtomicInteger();
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger settled = new AtomicInteger();

        /** Attempts neither done nor ended yet. */
        int inflight() {
            return started.get() - settled.get();
        }
    }

    final int index;
    final String channel;
    private volatile Tally tally;

    // The position this client holds between sockets.
    volatile String epoch;
    volatile long offset = -1;

    // One attempt (one socket).
    private volatile Disposable socket;
    private volatile WebsocketOutbound out;
    private boolean recovering;
    private long recoverTop;
    volatile long connectNanos;
    volatile long subscribeSentNanos;
    volatile long subscribedNanos;
    volatile long lastRecoveredNanos;
    volatile int recoveredMessages;
    volatile Boolean recovered;
    volatile boolean done;
    volatile boolean closed;
    volatile boolean failed;
    private boolean settled;

    StreamClient(int index, String channel, Tally tally) {
        this.index = index;
        this.channel = channel;
        this.tally = tally;
    }

    /**
     * Opens a socket to {@code /ws} and subscribes: afresh, or with {@code since} = the held position when
     * {@code recover}. Done when the subscribe is answered and, for a recovery that says {@code recovered:true},
     * when the last missed message arrived.
     */
    void open(HttpClient client, boolean recover) {
        recovering = recover && epoch != null;
        recoverTop = -1;
        subscribeSentNanos = 0;
        subscribedNanos = 0;
        lastRecoveredNanos = 0;
        recoveredMessages = 0;
        recovered = null;
        done = false;
        closed = false;
        failed = false;
        settled = false;
        tally.started.incrementAndGet();
        connectNanos = System.nanoTime();
        String frame = recovering ? subscribeSince(channel, offset, epoch) : Frames.subscribe(channel, 1);
        socket = client.websocket(SPEC).uri("/ws").handle((in, outbound) -> {
            out = outbound;
            subscribeSentNanos = System.nanoTime();
            // Each frame is read from its buffer in onNext (no String per message), and released by Reactor Netty after it.
            Mono<Void> frames = in.receiveFrames().doOnNext(f -> {
                if (f instanceof TextWebSocketFrame text) {
                    onText(new Frames.ByteChars(text.content()));
                }
            }).then();
            return Mono.when(outbound.sendString(Mono.just(frame)).then(), in.receiveCloseStatus().then(), frames);
        }).subscribe(null, e -> end(), this::end);
    }

    private void end() {
        if (closed) {
            return;
        }
        if (!done) {
            // Ended before its subscribe was answered (and the recovery delivered): refused, reset, killed.
            failed = true;
            tally.failed.incrementAndGet();
        }
        closed = true;
        tally.closed.incrementAndGet();
        settle();
    }

    /** Once per attempt, at done or at the socket's end, whichever comes first. */
    private synchronized void settle() {
        if (!settled) {
            settled = true;
            tally.settled.incrementAndGet();
        }
    }

    /** Counts the next attempts in {@code next} (the storm apart from the first subscribe). */
    void rebind(Tally next) {
        tally = next;
    }

    /** A close frame (1000); the socket ends when the gateway answers or goes away. */
    void close() {
        WebsocketOutbound o = out;
        if (o != null && !closed) {
            o.sendClose(1000, "bench").subscribe(null, e -> dispose());
        }
        else {
            dispose();
        }
    }

    void dispose() {
        Disposable d = socket;
        if (d != null) {
            d.dispose();
        }
    }

    /** Milliseconds from the subscribe frame to the last recovered message (or to the reply when none). */
    double subscribeToDoneMs() {
        long end = lastRecoveredNanos > 0 ? lastRecoveredNanos : subscribedNanos;
        return (end - subscribeSentNanos) / 1e6;
    }

    /** Milliseconds from the start of the connect to the last recovered message (or to the reply). */
    double connectToDoneMs() {
        long end = lastRecoveredNanos > 0 ? lastRecoveredNanos : subscribedNanos;
        return (end - connectNanos) / 1e6;
    }

    private void finish() {
        if (!done) {
            done = true;
            tally.done.incrementAndGet();
            settle();
        }
    }

    void onText(CharSequence text) {
        if (Frames.stringFieldIs(text, "op", "message")) {
            long o = Frames.longField(text, "offset", -1);
            long held = offset;
            if (held >= 0 && o <= held) {
                tally.duplicates.incrementAndGet();
                return;
            }
            if (held >= 0 && o > held + 1) {
                tally.gaps.incrementAndGet();
            }
            offset = o;
            if (recovering && recoverTop >= 0 && o <= recoverTop) {
                recoveredMessages++;
                if (o == recoverTop) {
                    lastRecoveredNanos = System.nanoTime();
                    finish();
                }
            }
            return;
        }
        String op = Frames.stringField(text, "op");
        if ("subscribed".equals(op)) {
            subscribedNanos = System.nanoTime();
            long top = Frames.longField(text, "offset", -1);
            String e = Frames.stringField(text, "epoch");
            tally.subscribed.incrementAndGet();
            if (recovering) {
                boolean ok = text.toString().contains("\"recovered\":true");
                recovered = ok;
                (ok ? tally.recoveredTrue : tally.recoveredFalse).incrementAndGet();
                if (!ok || top <= offset) {
                    // Nothing to wait for: not recovered (the application reloads), or nothing was missed.
                    offset = top;
                    epoch = e;
                    finish();
                }
                else {
                    recoverTop = top;
                }
            }
            else {
                offset = top;
                epoch = e;
                finish();
            }
        }
        else if ("insufficient_state".equals(op)) {
            tally.insufficientState.incrementAndGet();
        }
        else if ("error".equals(op)) {
            tally.errorFrames.incrementAndGet();
        }
    }

    static String subscribeSince(String channel, long offset, String epoch) {
        String subscribe = Frames.subscribe(channel, 1);
        return subscribe.substring(0, subscribe.length() - 1) + ",\"since\":{\"offset\":" + offset + ",\"epoch\":"
                + org.pushgate.load.report.JsonCodec.write(epoch) + "}}";
    }
}
