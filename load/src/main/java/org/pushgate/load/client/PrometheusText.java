package org.pushgate.load.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A parsed Prometheus text exposition (format 0.0.4, and the sample lines of OpenMetrics): the samples of one
 * scrape of {@code /actuator/prometheus}, with sums over series and break-downs by one label.
 */
public final class PrometheusText {

    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = Collections.unmodifiableList(samples);
    }

    public static PrometheusText empty() {
        return new PrometheusText(new ArrayList<>());
    }

    public static PrometheusText parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Sample s = parseLine(line);
            if (s != null) {
                out.add(s);
            }
        }
        return new PrometheusText(out);
    }

    /** One sample line, or null when it is not one (malformed lines are skipped, not fatal). */
    static Sample parseLine(String line) {
        int i = 0;
        int n = line.length();
        while (i < n && isNameChar(line.charAt(i))) {
            i++;
        }
        if (i == 0) {
            return null;
        }
        String name = line.substring(0, i);
        Map<String, String> labels = new TreeMap<>();
        if (i < n && line.charAt(i) == '{') {
            i++;
            while (true) {
                while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == ',')) {
                    i++;
                }
                if (i >= n) {
                    return null;
                }
                if (line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int ks = i;
                while (i < n && line.charAt(i) != '=') {
                    i++;
                }
                if (i + 1 >= n || line.charAt(i + 1) != '"') {
                    return null;
                }
                String key = line.substring(ks, i).strip();
                i += 2;
                StringBuilder v = new StringBuilder();
                while (i < n && line.charAt(i) != '"') {
                    char c = line.charAt(i);
                    if (c == '\\' && i + 1 < n) {
                        char e = line.charAt(i + 1);
                        v.append(e == 'n' ? '\n' : e);
                        i += 2;
                    }
                    else {
                        v.append(c);
                        i++;
                    }
                }
                if (i >= n) {
                    return null;
                }
                i++;
                labels.put(key, v.toString());
            }
        }
        String rest = line.substring(i).strip();
        if (rest.isEmpty()) {
            return null;
        }
        String valueText = rest.split("\\s+")[0];
        double value;
        try {
            value = switch (valueText) {
                case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(valueText);
            };
        }
        catch (NumberFormatException e) {
            return null;
        }
        return new Sample(name, Collections.unmodifiableMap(labels), value);
    }

    private static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':';
    }

    public List<Sample> samples() {
        return samples;
    }

    public boolean isEmpty() {
        return samples.isEmpty();
    }

    public boolean has(String name) {
        for (Sample s : samples) {
            if (s.name.equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Sum over every series of {@code name}; NaN when there is none. */
    public double sum(String name) {
        return sum(name, Map.of());
    }

    /** Sum over the series of {@code name} whose labels include all of {@code filter}; NaN when none match. */
    public double sum(String name, Map<String, String> filter) {
        double total = 0;
        boolean any = false;
        for (Sample s : samples) {
            if (s.name.equals(name) && matches(s.labels, filter)) {
                total += s.value;
                any = true;
            }
        }
        return any ? total : Double.NaN;
    }

    /** Series of {@code name} summed per value of {@code label} (series without it go under ""). */
    public Map<String, Double> sumBy(String name, String label) {
        Map<String, Double> out = new TreeMap<>();
        for (Sample s : samples) {
            if (s.name.equals(name)) {
                out.merge(s.labels.getOrDefault(label, ""), s.value, Double::sum);
            }
        }
        return out;
    }

    private static boolean matches(Map<String, String> labels, Map<String, String> filter) {
        for (Map.Entry<String, String> f : filter.entrySet()) {
            if (!f.getValue().equals(labels.get(f.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** Every series whose name starts with {@code prefix}, keyed {@code name{k="v",...}}, for reports. */
    public Map<String, Double> seriesWithPrefix(String prefix) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Sample s : samples) {
            if (s.name.startsWith(prefix)) {
                out.merge(key(s), s.value, Double::sum);
            }
        }
        return out;
    }

    static String key(Sample s) {
        if (s.labels.isEmpty()) {
            return s.name;
        }
        StringBuilder sb = new StringBuilder(s.name).append('{');
        boolean first = true;
        for (Map.Entry<String, String> e : s.labels.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append(e.getKey()).append("=\"").append(e.getValue()).append('"');
        }
        return sb.append('}').toString();
    }
}
