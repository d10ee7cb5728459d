package org.pushgate.load.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Recorder;
import org.pushgate.load.cli.LoadOptions;
import org.pushgate.load.report.Percentiles;
import org.pushgate.load.server.Target;
import org.pushgate.load.worker.FailureCause;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Publishes at a steady rate through {@code POST /api/publish} (or the {@code --target}'s publish URL), with at most {@code --publish-concurrency}
 * requests in flight. Each message carries its send time ({@code System.nanoTime()} taken just before the request
 * is written) and its phase, so that subscribers measure publish-to-receive latency per phase. When the gateway
 * cannot keep up, the publisher falls behind its schedule rather than queueing without bound; the largest lag
 * is reported.
 */
public final class Publisher {

    /**
     * @param notSent messages of the schedule never sent: the phase ended while the publisher was behind (at most
     *                --publish-concurrency requests in flight and the gateway's round trip too slow, or the
     *                generator starved of CPU)
     */
    public record PhaseResult(int phase, long target, long attempted, long ok, Map<String, Long> failures, long notSent,
                       long subscribersReported, long[] okPerChannel, Percentiles rtt, double seconds,
                       double maxLagMs) {

        public long failed() {
            long n = 0;
            for (long v : failures.values()) {
                n += v;
            }
            return n;
        }
    }

    private final LoadOptions o;
    private final ConnectionProvider provider;
    private final HttpClient http;
    private final String pad;
    public final LongAdder okTotal = new LongAdder();
    final LongAdder failedTotal = new LongAdder();

    public Publisher(LoadOptions o) {
        this.o = o;
        this.provider = ConnectionProvider.builder("load-publish")
                .maxConnections(o.publishConcurrency)
                .pendingAcquireMaxCount(-1)
                .build();
        this.http = HttpClient.create(provider)
                .host(o.host)
                .port(o.port)
                .responseTimeout(Duration.ofSeconds(10))
                .headers(h -> {
                    h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
                    if (o.target != Target.PUSHGATE) {
                        // Nchan answers with its own figures ("subscribers") as JSON when asked to.
                        h.set(HttpHeaderNames.ACCEPT, "application/json");
                    }
                    if (o.apiKey != null) {
                        h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + o.apiKey);
                    }
                });
        this.pad = Frames.pad(o.payloadBytes);
    }

    private String channelFor(long seq) {
        return o.channelOf(seq);
    }

    /** Publishes {@code --publish-rate} msg/s for {@code durationMs}, then waits (bounded) for the replies. */
    public PhaseResult run(int phase, long durationMs, long deadlineNanos) {
        double rate = o.publishRate;
        long target = (long) Math.floor(rate * durationMs / 1000.0);
        int channels = o.channelCount();
        AtomicLongArray perChannel = new AtomicLongArray(channels);
        Map<String, LongAdder> failures = new ConcurrentHashMap<>();
        LongAdder ok = new LongAdder();
        LongAdder subscribers = new LongAdder();
        Recorder rtt = new Recorder(1, Percentiles.HIGHEST_MICROS, 3);
        Semaphore inflight = new Semaphore(o.publishConcurrency);

        long start = System.nanoTime();
        long end = Math.min(deadlineNanos, start + durationMs * 1_000_000);
        long seq = 0;
        double maxLag = 0;
        while (seq < target) {
            long now = System.nanoTime();
            // What was due by the end is still sent once the end has passed: a park that overshoots the end (a busy
            // machine) must not drop the schedule's last messages; it shows as lag instead.
            boolean over = now >= end;
            long due = Math.min(target, (long) Math.floor(rate * (Math.min(now, end) - start) / 1e9) + 1);
            if (due - seq > 1) { // messages that became due while the publisher slept or waited: a backlog
                maxLag = Math.max(maxLag, (due - seq - 1) / rate * 1000);
            }
            while (seq < due && inflight.tryAcquire()) {
                send(phase, seq++, perChannel, failures, ok, subscribers, rtt, inflight);
            }
            if (due > seq) {
                maxLag = Math.max(maxLag, (due - seq) / rate * 1000);
            }
            if (over) {
                break;
            }
            LockSupport.parkNanos(300_000);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        try {
            long wait = Math.max(1, Math.min(15_000, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
            if (inflight.tryAcquire(o.publishConcurrency, wait, TimeUnit.MILLISECONDS)) {
                inflight.release(o.publishConcurrency);
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long[] okPer = new long[channels];
        for (int i = 0; i < channels; i++) {
            okPer[i] = perChannel.get(i);
        }
        Map<String, Long> f = new TreeMap<>();
        failures.forEach((k, v) -> f.put(k, v.sum()));
        return new PhaseResult(phase, target, seq, ok.sum(), f, target - seq, subscribers.sum(), okPer,
                Percentiles.of(rtt.getIntervalHistogram()), seconds, Percentiles.round(maxLag, 3));
    }

    private void send(int phase, long seq, AtomicLongArray perChannel, Map<String, LongAdder> failures,
                      LongAdder ok, LongAdder subscribers, Recorder rtt, Semaphore inflight) {
        String channel = channelFor(seq);
        long t0 = System.nanoTime();
        byte[] body = o.target.publishBody(channel, Frames.data(t0, seq, phase, pad)).getBytes(StandardCharsets.UTF_8);
        // A Mono body is sent as one message with its Content-Length.
        http.post()
                .uri(o.target.publishUri(channel))
                .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                .responseSingle((resp, bytes) -> bytes.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                        .map(text -> new Object[] {resp.status().code(), text}))
                .timeout(Duration.ofSeconds(15))
                .doFinally(s -> inflight.release())
                .subscribe(reply -> {
                    rtt.recordValue(Percentiles.clampMicros((System.nanoTime() - t0) / 1000));
                    int status = (Integer) reply[0];
                    if (o.target.accepted(status)) {
                        ok.increment();
                        okTotal.increment();
                        perChannel.incrementAndGet((int) (seq % perChannel.length()));
                        long n = Frames.longField((String) reply[1], "subscribers", -1);
                        if (n > 0) {
                            subscribers.add(n);
                        }
                    }
                    else {
                        failedTotal.increment();
                        failures.computeIfAbsent("http_" + status, k -> new LongAdder()).increment();
                    }
                }, error -> {
                    failedTotal.increment();
                    String cause = FailureCause.of(error);
                    failures.computeIfAbsent(cause, k -> new LongAdder()).increment();
                });
    }

    public void close() {
        provider.disposeLater().block(Duration.ofSeconds(5));
    }
}
