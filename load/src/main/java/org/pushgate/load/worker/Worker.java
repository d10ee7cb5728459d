package org.pushgate.load.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

import org.pushgate.load.cli.LoadOptions;
import org.pushgate.load.client.Frames;
import org.pushgate.load.report.Percentiles;
import org.pushgate.load.server.Target;

import reactor.core.publisher.Mono;

/**
 * The connections of one generator process: it ramps its share of the run's connections (global indices
 * {@code indexOffset ..}), or runs its share of churn cycles, and reports counters and histograms as JSON maps
 * that the coordinator merges. The same class runs in the coordinator's JVM or in a worker child process.
 */
final class Worker {

    private final LoadOptions o;
    final WorkerStats stats = new WorkerStats();
    private final Clients clients;
    private final List<WsConnection> conns = new ArrayList<>();
    private final ScheduledExecutorService timer;
    private final CpuMeter cpu = new CpuMeter();
    private volatile long rampMs;

    Worker(LoadOptions o, List<String> sourceAddresses) {
        this.o = o;
        this.clients = new Clients(o, sourceAddresses);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "load-timer");
            t.setDaemon(true);
            return t;
        });
    }

    CpuMeter cpu() {
        return cpu;
    }

    private String uriFor(int globalIndex) {
        // connect subscribes only when --channel is given (a Nchan subscriber always names its channel).
        if (o.scenario.equals("connect") && o.target == Target.PUSHGATE && !o.given.containsKey("channel")) {
            return o.path;
        }
        return o.target.subscriberUri(o.path, o.channelOf(globalIndex));
    }

    private long inflight() {
        return stats.attempts.sum() - stats.opened.sum() - stats.failureCount();
    }

    /**
     * One plain HTTP request (no upgrade, so it takes no connection slot at the gateway) before anything is
     * measured: in a fresh JVM the first request loads and initialises Netty, its native transport and Reactor,
     * which takes a second or more on a busy machine, and every connection started meanwhile would report that
     * wait as handshake latency.
     */
    void preflight(long deadlineNanos) {
        long wait = Math.max(1, Math.min(o.connectTimeoutMs + 1_000, (deadlineNanos - System.nanoTime()) / 1_000_000));
        try {
            clients.forIndex(0, false).get().uri(o.path)
                    .responseSingle((resp, body) -> body.then(Mono.just(resp.status().code())))
                    .block(Duration.ofMillis(wait));
        }
        catch (RuntimeException e) {
            // Whatever the answer (or none): this request only warms the JVM; the ramp counts the failures.
        }
        // The WebSocket codec, loaded here rather than during the first measured handshakes.
        new io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder(true).isSharable();
    }

    /** Opens this process's connections at its share of --rate; returns when all are open or have failed. */
    void ramp(long deadlineNanos) {
        preflight(deadlineNanos);
        int n = o.connections;
        long start = System.nanoTime();
        int started = 0;
        while (started < n && System.nanoTime() < deadlineNanos) {
            double elapsed = (System.nanoTime() - start) / 1e9;
            long due = o.rate <= 0 ? n : Math.min(n, (long) Math.floor(o.rate * elapsed) + 1);
            while (started < due && inflight() < o.maxInflight) {
                startOne(started++);
            }
            if (started < n) {
                LockSupport.parkNanos(1_000_000);
            }
        }
        long settleDeadline = Math.min(deadlineNanos, System.nanoTime() + (o.connectTimeoutMs + 3_000) * 1_000_000);
        while (inflight() > 0 && System.nanoTime() < settleDeadline) {
            LockSupport.parkNanos(5_000_000);
        }
        rampMs = (System.nanoTime() - start) / 1_000_000;
    }

    private void startOne(int local) {
        int global = o.indexOffset + local;
        boolean slow = o.isSlowIndex(global);
        WsConnection c = o.centrifugo()
                ? new WsConnection(global, slow, o.path, CentrifugoWire.handshake(o.channelOf(global)), stats, false, true)
                : new WsConnection(global, slow, uriFor(global), List.of(), stats, o.target.rawFrames(), false);
        synchronized (conns) {
            conns.add(c);
        }
        c.start(clients.forIndex(global, slow));
        timer.schedule(() -> c.abandon("timeout"), o.connectTimeoutMs + 1_000, TimeUnit.MILLISECONDS);
    }

    private List<WsConnection> snapshot() {
        synchronized (conns) {
            return new ArrayList<>(conns);
        }
    }

    void stall() {
        for (WsConnection c : snapshot()) {
            if (c.slow) {
                c.stall();
            }
        }
    }

    void wake() {
        for (WsConnection c : snapshot()) {
            if (c.slow) {
                c.wake();
            }
        }
    }

    /** Runs {@code --cycles} (this process's share) of connect, subscribe, abrupt disconnect. */
    void churn(int cycles, long deadlineNanos) {
        preflight(deadlineNanos);
        long start = System.nanoTime();
        Semaphore permits = new Semaphore(o.concurrency);
        long ackTimeout = Math.max(1_000, Math.min(5_000, o.connectTimeoutMs));
        int i = 0;
        try {
            while (i < cycles && System.nanoTime() < deadlineNanos) {
                if (permits.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                    cycle(o.indexOffset + i, ackTimeout, permits);
                    i++;
                }
            }
            // Wait for the cycles in flight, bounded.
            long end = Math.min(deadlineNanos, System.nanoTime() + (o.connectTimeoutMs + ackTimeout + 6_000) * 1_000_000);
            while (System.nanoTime() < end) {
                if (permits.tryAcquire(o.concurrency, 50, TimeUnit.MILLISECONDS)) {
                    permits.release(o.concurrency);
                    break;
                }
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        finally {
            rampMs = (System.nanoTime() - start) / 1_000_000;
            if (i < cycles) {
                stats.cycleFailures.computeIfAbsent("not_run_deadline", k -> new java.util.concurrent.atomic.LongAdder())
                        .add(cycles - (long) i);
            }
        }
    }

    private void cycle(int global, long ackTimeoutMs, Semaphore permits) {
        String channel = "churn-" + (global % Math.max(1, o.channels));
        boolean rst = switch (o.abort) {
            case "rst" -> true;
            case "fin" -> false;
            default -> global % 2 == 0;
        };
        WsConnection c = new WsConnection(global, false, o.path, List.of(Frames.subscribe(channel, 1)), stats);
        long t0 = System.nanoTime();
        c.start(clients.forIndex(global, false));
        c.whenOpen()
                .timeout(Duration.ofMillis(o.connectTimeoutMs + 1_000), Mono.just(Boolean.FALSE))
                .flatMap(ok -> {
                    if (!ok) {
                        return Mono.just("connect_failed");
                    }
                    return c.whenAcked()
                            .timeout(Duration.ofMillis(ackTimeoutMs))
                            .thenReturn("ok")
                            .onErrorResume(e -> Mono.just(e instanceof TimeoutException ? "ack_timeout" : "error_frame"));
                })
                .flatMap(outcome -> {
                    if (outcome.equals("ok")) {
                        stats.cyclesOk.increment();
                        stats.recordCycle(System.nanoTime() - t0);
                    }
                    else {
                        WorkerStats.inc(stats.cycleFailures, outcome);
                        if (c.isPending()) {
                            c.abandon("timeout");
                        }
                    }
                    c.abort(rst);
                    return c.whenTerminated()
                            .timeout(Duration.ofSeconds(5), Mono.fromRunnable(c::dispose));
                })
                .doFinally(s -> permits.release())
                .subscribe(null, e -> c.dispose());
    }

    /** Cumulative counters plus this interval's p99 and CPU, for the once-a-second progress line. */
    WorkerProgress progress() {
        double p99 = stats.fold();
        return new WorkerProgress(stats.counters(), Double.isNaN(p99) ? null : p99, Percentiles.round(cpu.sample(), 3));
    }

    /** Closes every connection with a close frame (bounded wait), then reports. */
    WorkerResult finish(long timeoutMs) {
        List<WsConnection> all = snapshot();
        long openFast = 0;
        long openSlow = 0;
        long[] channelOpen = o.perChannel() && o.channelCount() <= 1_000_000 ? new long[o.channelCount()] : null;
        for (WsConnection c : all) {
            if (c.isOpen()) {
                if (c.slow) {
                    openSlow++;
                }
                else {
                    openFast++;
                    if (channelOpen != null) {
                        channelOpen[c.index % o.channelCount()]++;
                    }
                }
            }
        }
        for (WsConnection c : all) {
            if (c.isOpen()) {
                c.close();
            }
            else if (c.isPending()) {
                c.abandon("timeout");
            }
        }
        long end = System.nanoTime() + timeoutMs * 1_000_000;
        while (stats.open.get() > 0 && System.nanoTime() < end) {
            LockSupport.parkNanos(10_000_000);
        }
        for (WsConnection c : all) {
            if (!c.isTerminated()) {
                c.dispose();
            }
        }
        Map<String, Long> counters = stats.counters();
        counters.put("openFastAtEnd", openFast);
        counters.put("openSlowAtEnd", openSlow);
        counters.put("rampMs", rampMs);
        WorkerResult r = new WorkerResult(counters, WorkerStats.counts(stats.failures),
                WorkerStats.counts(stats.errorCodes), WorkerStats.counts(stats.serverClosesFast),
                WorkerStats.counts(stats.serverClosesSlow), WorkerStats.counts(stats.cycleFailures), stats.histograms(),
                channelOpen, Percentiles.round(cpu.cpuSeconds(), 3), Percentiles.round(cpu.wallSeconds(), 3));
        timer.shutdownNow();
        return r;
    }

    /** Snapshot report without closing (churn: the connections are gone already). */
    WorkerResult report() {
        return finish(1_000);
    }
}
