package org.pushgate.load;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.HdrHistogram.Histogram;

/**
 * The sum of the workers' reports: counters and per-cause maps added up, histograms merged (HdrHistogram adds
 * exactly), per-channel counts added element by element. Pure, so that it is tested without sockets.
 */
final class Merged {

    static final List<String> MAPS = List.of("failures", "errorCodes", "serverClosesFast", "serverClosesSlow",
            "cycleFailures");

    final Map<String, Long> counters = new LinkedHashMap<>();
    final Map<String, Map<String, Long>> maps = new LinkedHashMap<>();
    final Map<String, Histogram> histograms = new LinkedHashMap<>();
    long[] channelOpen;
    double cpuSeconds;
    double wallSeconds;
    int workers;

    static Merged of(List<Map<String, Object>> reports) {
        Merged m = new Merged();
        for (String k : MAPS) {
            m.maps.put(k, new TreeMap<>());
        }
        for (Map<String, Object> r : reports) {
            m.workers++;
            Json.obj(r, "counters").forEach((k, v) -> {
                if (v instanceof Number n) {
                    if (k.equals("rampMs")) {
                        m.counters.merge(k, n.longValue(), Math::max);
                    }
                    else {
                        m.counters.merge(k, n.longValue(), Long::sum);
                    }
                }
            });
            for (String k : MAPS) {
                Map<String, Long> target = m.maps.get(k);
                Json.obj(r, k).forEach((key, v) -> target.merge(key, ((Number) v).longValue(), Long::sum));
            }
            Json.obj(r, "histograms").forEach((k, v) -> {
                Histogram h = Percentiles.decode((String) v);
                m.histograms.computeIfAbsent(k, x -> Percentiles.newHistogram()).add(h);
            });
            Object co = r.get("channelOpen");
            long[] arr = toLongs(co);
            if (arr != null) {
                if (m.channelOpen == null) {
                    m.channelOpen = new long[arr.length];
                }
                for (int i = 0; i < Math.min(arr.length, m.channelOpen.length); i++) {
                    m.channelOpen[i] += arr[i];
                }
            }
            m.cpuSeconds += Json.dbl(r, "cpuSeconds") > 0 ? Json.dbl(r, "cpuSeconds") : 0;
            m.wallSeconds = Math.max(m.wallSeconds, Json.dbl(r, "wallSeconds") > 0 ? Json.dbl(r, "wallSeconds") : 0);
        }
        return m;
    }

    private static long[] toLongs(Object o) {
        if (o instanceof long[] a) {
            return a;
        }
        if (o instanceof List<?> l) {
            long[] a = new long[l.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = ((Number) l.get(i)).longValue();
            }
            return a;
        }
        return null;
    }

    long c(String key) {
        return counters.getOrDefault(key, 0L);
    }

    Map<String, Long> map(String key) {
        return maps.getOrDefault(key, new TreeMap<>());
    }

    long sum(String mapKey) {
        long n = 0;
        for (long v : map(mapKey).values()) {
            n += v;
        }
        return n;
    }

    Histogram h(String key) {
        return histograms.getOrDefault(key, Percentiles.newHistogram());
    }

    Percentiles p(String key) {
        return Percentiles.of(h(key));
    }

    /** Progress maps of several workers added up: counts and CPU summed, the interval p99 the worst one. */
    static Map<String, Object> sumProgress(List<Map<String, Object>> progress) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Double> p99s = new ArrayList<>();
        for (Map<String, Object> p : progress) {
            if (p == null) {
                continue;
            }
            p.forEach((k, v) -> {
                if (k.equals("p99Ms")) {
                    if (v instanceof Number n) {
                        p99s.add(n.doubleValue());
                    }
                }
                else if (v instanceof Number n) {
                    // One worker may report a figure as 3 and another as 0.5 (or 0 and 0.0): stay integral only
                    // while every value so far was.
                    Number value = v instanceof Long || v instanceof Integer ? (Number) n.longValue() : (Number) n.doubleValue();
                    out.merge(k, value, (a, b) -> a instanceof Long x && b instanceof Long y ? (Object) (x + y)
                            : (Object) (((Number) a).doubleValue() + ((Number) b).doubleValue()));
                }
            });
        }
        out.put("p99Ms", p99s.stream().max(Double::compare).orElse(null));
        return out;
    }
}
