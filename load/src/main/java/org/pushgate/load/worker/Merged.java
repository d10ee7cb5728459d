package org.pushgate.load.worker;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.HdrHistogram.Histogram;
import org.pushgate.load.report.Percentiles;

/**
 * The sum of the workers' reports: counters and per-cause maps added up, histograms merged (HdrHistogram adds
 * exactly), per-channel counts added element by element. Pure, so that it is tested without sockets.
 */
public final class Merged {

    static final List<String> MAPS = List.of("failures", "errorCodes", "serverClosesFast", "serverClosesSlow",
            "cycleFailures");

    final Map<String, Long> counters = new LinkedHashMap<>();
    final Map<String, Map<String, Long>> maps = new LinkedHashMap<>();
    final Map<String, Histogram> histograms = new LinkedHashMap<>();
    public long[] channelOpen;
    double cpuSeconds;
    public double wallSeconds;
    int workers;

    public static Merged of(List<WorkerResult> reports) {
        Merged m = new Merged();
        for (String k : MAPS) {
            m.maps.put(k, new TreeMap<>());
        }
        for (WorkerResult r : reports) {
            m.workers++;
            r.counters().forEach((k, v) -> m.counters.merge(k, v, mergeOf(k)));
            add(m.maps.get("failures"), r.failures());
            add(m.maps.get("errorCodes"), r.errorCodes());
            add(m.maps.get("serverClosesFast"), r.serverClosesFast());
            add(m.maps.get("serverClosesSlow"), r.serverClosesSlow());
            add(m.maps.get("cycleFailures"), r.cycleFailures());
            r.histograms().forEach((k, v) ->
                    m.histograms.computeIfAbsent(k, x -> Percentiles.newHistogram()).add(Percentiles.decode(v)));
            long[] arr = r.channelOpen();
            if (arr != null) {
                if (m.channelOpen == null) {
                    m.channelOpen = new long[arr.length];
                }
                for (int i = 0; i < Math.min(arr.length, m.channelOpen.length); i++) {
                    m.channelOpen[i] += arr[i];
                }
            }
            m.cpuSeconds += Math.max(0, r.cpuSeconds());
            m.wallSeconds = Math.max(m.wallSeconds, r.wallSeconds());
        }
        return m;
    }

    /** Counters add up, except the ramp's length and times of day (loris: first/last connect, last close). */
    static java.util.function.BinaryOperator<Long> mergeOf(String key) {
        if (key.equals("rampMs") || (key.startsWith("last") && key.endsWith("AtMs"))) {
            return Math::max;
        }
        return key.startsWith("first") && key.endsWith("AtMs") ? Math::min : Long::sum;
    }

    private static void add(Map<String, Long> target, Map<String, Long> counts) {
        counts.forEach((key, v) -> target.merge(key, v, Long::sum));
    }

    public long c(String key) {
        return counters.getOrDefault(key, 0L);
    }

    public Map<String, Long> map(String key) {
        return maps.getOrDefault(key, new TreeMap<>());
    }

    public long sum(String mapKey) {
        long n = 0;
        for (long v : map(mapKey).values()) {
            n += v;
        }
        return n;
    }

    Histogram h(String key) {
        return histograms.getOrDefault(key, Percentiles.newHistogram());
    }

    public Percentiles p(String key) {
        return Percentiles.of(h(key));
    }
}
