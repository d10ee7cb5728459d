package org.pushgate.load.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A worker's once-a-second report: its cumulative counters (the keys of {@link WorkerStats#counters()}), the p99
 * (ms) of the latencies recorded since its previous report, and the cores it used meanwhile.
 *
 * @param p99Ms null when nothing was received in the interval
 */
public record WorkerProgress(Map<String, Long> counters, Double p99Ms, double cpuCores) {

    public static final WorkerProgress NONE = new WorkerProgress(Map.of(), null, 0);

    public WorkerProgress {
        counters = counters == null ? Map.of() : Map.copyOf(counters);
    }

    /** A counter, 0 when absent. */
    public long count(String key) {
        return counters.getOrDefault(key, 0L);
    }

    /** Several workers' reports added up: counters and CPU summed, the interval p99 the worst one. */
    public static WorkerProgress sum(List<WorkerProgress> progress) {
        Map<String, Long> counters = new TreeMap<>();
        List<Double> p99s = new ArrayList<>();
        double cores = 0;
        for (WorkerProgress p : progress) {
            if (p == null) {
                continue;
            }
            p.counters.forEach((k, v) -> counters.merge(k, v, Long::sum));
            if (p.p99Ms != null) {
                p99s.add(p.p99Ms);
            }
            cores += p.cpuCores;
        }
        return new WorkerProgress(counters, p99s.stream().max(Double::compare).orElse(null), cores);
    }
}
