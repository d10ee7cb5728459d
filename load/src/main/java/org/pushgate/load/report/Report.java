package org.pushgate.load.report;

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

import org.pushgate.load.cli.LoadOptions;

import tools.jackson.databind.JsonNode;

/**
 * The result of a run: its sections in the order a reader wants them (records and maps that Jackson writes),
 * the verdict's checks, and the warnings; written as {@code <out>.json} and {@code <out>.html}, the page rendered
 * from the very tree that the JSON file holds.
 */
public final class Report {

    /** One check of the verdict. */
    record Check(String name, boolean pass, String detail) {
    }

    /** The verdict: passes when every check does. */
    record Verdict(boolean pass, List<Check> checks) {
    }

    final Map<String, Object> root = new LinkedHashMap<>();
    private final List<Check> checks = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    public final Map<String, Object> summary = new LinkedHashMap<>();
    final Map<String, Map<String, Percentiles>> latencies = new LinkedHashMap<>();

    public Report(String scenario) {
        root.put("scenario", scenario);
        root.put("startedAt", LocalDateTime.now().withNano(0).toString());
        root.put("finishedAt", null);
        root.put("target", null);
        root.put("verdict", null);
        root.put("summary", summary);
        root.put("warnings", warnings);
        root.put("latencies", latencies);
    }

    public void put(String key, Object value) {
        root.put(key, value);
    }

    public void check(String name, boolean pass, String detail) {
        checks.add(new Check(name, pass, detail));
    }

    public void warn(String w) {
        if (!warnings.contains(w)) {
            warnings.add(w);
            System.out.println("warning: " + w);
        }
    }

    public void latency(String group, String series, Percentiles p) {
        latencies.computeIfAbsent(group, k -> new LinkedHashMap<>()).put(series, p);
    }

    public boolean pass() {
        return checks.stream().allMatch(Check::pass);
    }

    /** The names of the checks that failed, in the order they were made. */
    public List<String> failedChecks() {
        return checks.stream().filter(c -> !c.pass()).map(Check::name).toList();
    }

    /** The result as the JSON tree that is written (and rendered). */
    JsonNode finish() {
        root.put("finishedAt", LocalDateTime.now().withNano(0).toString());
        root.put("verdict", new Verdict(pass(), List.copyOf(checks)));
        return JsonCodec.tree(root);
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
    public List<Path> write(LoadOptions o) throws IOException {
        Path json = o.out != null ? Path.of(o.out) : defaultOut(o.scenario);
        if (json.getParent() != null) {
            Files.createDirectories(json.getParent());
        }
        JsonNode r = finish();
        Files.writeString(json, JsonCodec.writePretty(r), StandardCharsets.UTF_8);
        List<Path> out = new ArrayList<>(List.of(json));
        if (o.html()) {
            Path html = htmlPathFor(json);
            Files.writeString(html, HtmlReport.render(r), StandardCharsets.UTF_8);
            out.add(html);
        }
        return out;
    }

    /** The closing lines on the console. */
    public String consoleSummary() {
        StringBuilder sb = new StringBuilder();
        sb.append("\n== ").append(root.get("scenario")).append(" summary ==\n");
        summary.forEach((k, v) -> sb.append(String.format("  %-34s %s%n", k, HtmlReport.inline(JsonCodec.tree(v)))));
        latencies.forEach((group, series) -> series.forEach((name, p) ->
                sb.append(String.format("  %-34s %s%n", group + " [" + name + "]", p.line()))));
        sb.append("  verdict:\n");
        for (Check c : checks) {
            sb.append(String.format("    %-5s %s: %s%n", c.pass() ? "ok" : "FAIL", c.name(), c.detail()));
        }
        sb.append("  => ").append(pass() ? "PASS" : "FAIL").append('\n');
        return sb.toString();
    }
}
