package org.pushgate.load.worker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.pushgate.load.report.Percentiles;

/**
 * The counters and latency recorders of one generator process's connections. Written from event-loop threads
 * (lock-free adders and HdrHistogram recorders), read once a second by the progress ticker, which also folds
 * the recorders' intervals into cumulative histograms.
 */
final class WorkerStats {

    static final int PHASES = 4;

    final LongAdder attempts = new LongAdder();
    final LongAdder opened = new LongAdder();
    final AtomicInteger open = new AtomicInteger();
    final LongAdder closedByClient = new LongAdder();
    final LongAdder heartbeats = new LongAdder();
    final LongAdder acks = new LongAdder();
    final LongAdder otherFrames = new LongAdder();
    final LongAdder receivedAll = new LongAdder();
    final LongAdder receivedSlow = new LongAdder();
    final LongAdder[] received = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};
    final LongAdder cyclesOk = new LongAdder();
    /** Fast subscribers' messages that carried the gateway's offset, came at or below one already seen, or after a hole. */
    final LongAdder offsetsSeen = new LongAdder();
    final LongAdder outOfOrder = new LongAdder();
    final LongAdder missedByOffset = new LongAdder();
    final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    final Map<String, LongAdder> errorCodes = new ConcurrentHashMap<>();
    final Map<String, LongAdder> serverClosesFast = new ConcurrentHashMap<>();
    final Map<String, LongAdder> serverClosesSlow = new ConcurrentHashMap<>();
    final Map<String, LongAdder> cycleFailures = new ConcurrentHashMap<>();

    private final Recorder handshakeRec = new Recorder(1, Percentiles.HIGHEST_MICROS, 3);
    private final Recorder cycleRec = new Recorder(1, Percentiles.HIGHEST_MICROS, 3);
    private final Recorder[] latencyRec = new Recorder[PHASES];

    private final Histogram handshake = Percentiles.newHistogram();
    private final Histogram cycle = Percentiles.newHistogram();
    private final Histogram[] latency = new Histogram[PHASES];

    WorkerStats() {
        for (int p = 0; p < PHASES; p++) {
            latencyRec[p] = new Recorder(1, Percentiles.HIGHEST_MICROS, 3);
            latency[p] = Percentiles.newHistogram();
        }
    }

    private static long clampMicros(long micros) {
        return Percentiles.clampMicros(micros);
    }

    void recordHandshake(long nanos) {
        handshakeRec.recordValue(clampMicros(nanos / 1000));
    }

    void recordCycle(long nanos) {
        cycleRec.recordValue(clampMicros(nanos / 1000));
    }

    void recordLatency(int phase, long nanos) {
        latencyRec[phase].recordValue(clampMicros(nanos / 1000));
        received[phase].increment();
    }

    static void inc(Map<String, LongAdder> map, String key) {
        map.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    long failureCount() {
        long n = 0;
        for (LongAdder a : failures.values()) {
            n += a.sum();
        }
        return n;
    }

    long failures(String cause) {
        LongAdder a = failures.get(cause);
        return a == null ? 0 : a.sum();
    }

    long errorFrames() {
        long n = 0;
        for (LongAdder a : errorCodes.values()) {
            n += a.sum();
        }
        return n;
    }

    long serverCloses() {
        long n = 0;
        for (LongAdder a : serverClosesFast.values()) {
            n += a.sum();
        }
        for (LongAdder a : serverClosesSlow.values()) {
            n += a.sum();
        }
        return n;
    }

    long receivedMeasured() {
        long n = 0;
        for (LongAdder a : received) {
            n += a.sum();
        }
        return n;
    }

    /**
     * Folds the recorders into the cumulative histograms; returns the p99 (ms) of the latencies recorded since
     * the previous call, for the progress line. One caller at a time (the ticker, then the final report).
     */
    synchronized double fold() {
        handshake.add(handshakeRec.getIntervalHistogram());
        cycle.add(cycleRec.getIntervalHistogram());
        Histogram all = Percentiles.newHistogram();
        for (int p = 0; p < PHASES; p++) {
            Histogram interval = latencyRec[p].getIntervalHistogram();
            latency[p].add(interval);
            all.add(interval);
        }
        return all.getTotalCount() == 0 ? Double.NaN : all.getValueAtPercentile(99) / 1000.0;
    }

    synchronized Map<String, String> histograms() {
        fold();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("handshake", Percentiles.encode(handshake));
        m.put("cycle", Percentiles.encode(cycle));
        for (int p = 0; p < PHASES; p++) {
            m.put("latency" + p, Percentiles.encode(latency[p]));
        }
        return m;
    }

    static Map<String, Long> counts(Map<String, LongAdder> map) {
        Map<String, Long> out = new TreeMap<>();
        map.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Cumulative counters (the same keys in progress lines and the final report). */
    Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("attempts", attempts.sum());
        m.put("opened", opened.sum());
        m.put("open", (long) open.get());
        m.put("failed", failureCount());
        m.put("rejected", failures(FailureCause.REJECTED_503));
        m.put("closedByClient", closedByClient.sum());
        m.put("serverCloses", serverCloses());
        m.put("errorFrames", errorFrames());
        m.put("heartbeats", heartbeats.sum());
        m.put("acks", acks.sum());
        m.put("otherFrames", otherFrames.sum());
        m.put("receivedAll", receivedAll.sum());
        m.put("receivedSlow", receivedSlow.sum());
        for (int p = 0; p < PHASES; p++) {
            m.put("received" + p, received[p].sum());
        }
        m.put("cyclesOk", cyclesOk.sum());
        m.put("fastOffsetsSeen", offsetsSeen.sum());
        m.put("fastOutOfOrder", outOfOrder.sum());
        m.put("fastMissedByOffset", missedByOffset.sum());
        long cycleFailed = 0;
        for (LongAdder a : cycleFailures.values()) {
            cycleFailed += a.sum();
        }
        m.put("cyclesFailed", cycleFailed);
        return m;
    }
}
