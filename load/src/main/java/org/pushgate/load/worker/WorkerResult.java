package org.pushgate.load.worker;

import java.util.Map;

/**
 * A worker's final report, which the coordinator merges with the others' ({@link Merged}).
 *
 * @param counters     cumulative counters ({@link WorkerStats#counters()}) plus openFastAtEnd, openSlowAtEnd, rampMs
 * @param histograms   HdrHistograms by name (handshake, cycle, latency0..3), compressed and base64-encoded, so
 *                     that the coordinator adds them up exactly
 * @param channelOpen  fast subscribers open at the end per channel (channels scenario), else null
 * <p>
 * loris ({@link LorisSockets}) uses the same places: {@code failures} are connect failures by cause,
 * {@code serverClosesFast} the gateway's closes by what it answered first (nothing, 503, 408...), and
 * {@code histograms} the sockets' lifetimes from connect to that close (lifetime, lifetime_&lt;answer&gt;).
 */
public record WorkerResult(Map<String, Long> counters, Map<String, Long> failures, Map<String, Long> errorCodes,
                           Map<String, Long> serverClosesFast, Map<String, Long> serverClosesSlow,
                           Map<String, Long> cycleFailures, Map<String, String> histograms, long[] channelOpen,
                           double cpuSeconds, double wallSeconds) {

    public WorkerResult {
        counters = orEmpty(counters);
        failures = orEmpty(failures);
        errorCodes = orEmpty(errorCodes);
        serverClosesFast = orEmpty(serverClosesFast);
        serverClosesSlow = orEmpty(serverClosesSlow);
        cycleFailures = orEmpty(cycleFailures);
        histograms = orEmpty(histograms);
    }

    private static <V> Map<String, V> orEmpty(Map<String, V> m) {
        return m == null ? Map.of() : m;
    }
}
