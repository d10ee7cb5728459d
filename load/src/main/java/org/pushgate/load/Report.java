package org.pushgate.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result of a run: a JSON-ready map (sections in the order a reader wants them), the verdict's checks,
 * and the warnings; written as {@code <out>.json} and {@code <out>.html}.
 */
final class Report {

    final Map<String, Object> root = new LinkedHashMap<>();
    private final List<Map<String, Object>> checks = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    final Map<String, Object> summary = new LinkedHashMap<>();
    final Map<String, Object> latencies = new LinkedHashMap<>();

    Report(String scenario) {
        root.put("scenario", scenario);
        root.put("startedAt", LocalDateTime.now().withNano(0).toString());
        root.put("finishedAt", null);
        root.put("target", null);
        root.put("verdict", null);
        root.put("summary", summary);
        root.put("warnings", warnings);
        root.put("latencies", latencies);
    }

    void put(String key, Object value) {
        root.put(key, value);
    }

    void check(String name, boolean pass, String detail) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("pass", pass);
        c.put("detail", detail);
        checks.add(c);
    }

    void warn(String w) {
        if (!warnings.contains(w)) {
            warnings.add(w);
            System.out.println("warning: " + w);
        }
    }

    void latency(String group, String series, Percentiles p) {
        @SuppressWarnings("unchecked")
        Map<String, Object> g = (Map<String, Object>) latencies.computeIfAbsent(group, k -> new LinkedHashMap<>());
        g.put(series, p.toJson());
    }

    boolean pass() {
        for (Map<String, Object> c : checks) {
            if (!Boolean.TRUE.equals(c.get("pass"))) {
                return false;
            }
        }
        return true;
    }

    Map<String, Object> finish() {
        root.put("finishedAt", LocalDateTime.now().withNano(0).toString());
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("pass", pass());
        v.put("checks", checks);
        root.put("verdict", v);
        return root;
    }

    static Path defaultOut(String scenario) {
        String ts = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path dir = Files.isDirectory(Path.of("load", "src")) ? Path.of("load", "results") : Path.of("results");
        return dir.resolve(scenario + "-" + ts + ".json");
    }

    static Path htmlPathFor(Path json) {
        String name = json.getFileName().toString();
        String base = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        return json.resolveSibling(base + ".html");
    }

    /** Writes the JSON and (unless disabled) the HTML report; returns the paths written. */
    List<Path> write(Options o) throws IOException {
        Path json = o.out != null ? Path.of(o.out) : defaultOut(o.scenario);
        if (json.getParent() != null) {
            Files.createDirectories(json.getParent());
        }
        Map<String, Object> r = finish();
        Files.writeString(json, Json.writePretty(r), StandardCharsets.UTF_8);
        List<Path> out = new ArrayList<>(List.of(json));
        if (o.html) {
            Path html = htmlPathFor(json);
            Files.writeString(html, HtmlReport.render(r), StandardCharsets.UTF_8);
            out.add(html);
        }
        return out;
    }

    /** The closing lines on the console. */
    String consoleSummary() {
        StringBuilder sb = new StringBuilder();
        sb.append("\n== ").append(root.get("scenario")).append(" summary ==\n");
        summary.forEach((k, v) -> sb.append(String.format("  %-34s %s%n", k, HtmlReport.inline(v))));
        latencies.forEach((group, s) -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> series = (Map<String, Object>) s;
            series.forEach((name, p) -> {
                @SuppressWarnings("unchecked")
                Percentiles pp = Percentiles.fromJson((Map<String, Object>) p);
                sb.append(String.format("  %-34s %s%n", group + " [" + name + "]", pp.line()));
            });
        });
        sb.append("  verdict:\n");
        for (Map<String, Object> c : checks) {
            sb.append(String.format("    %-5s %s: %s%n", Boolean.TRUE.equals(c.get("pass")) ? "ok" : "FAIL",
                    c.get("name"), c.get("detail")));
        }
        sb.append("  => ").append(pass() ? "PASS" : "FAIL").append('\n');
        return sb.toString();
    }
}
