package org.pushgate.load.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.pushgate.load.cli.LoadOptions;

import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * What the generator can see of the gateway: its Prometheus scrape, its RSS from {@code /proc/PID/status}, and,
 * given {@code --server-pid}, its heap after a full GC. The gateway has no admin endpoint for a GC, so the probe
 * runs {@code jcmd PID GC.run} and then reads {@code jcmd PID GC.heap_info} (falling back to the scraped
 * {@code jvm_memory_used_bytes{area="heap"}}). jcmd must run as the gateway's user, on the same machine.
 */
public final class ServerProbe {

    private final LoadOptions o;
    private final HttpClient http;
    private final ConnectionProvider provider;
    private boolean warned;

    public ServerProbe(LoadOptions o) {
        this.o = o;
        this.provider = ConnectionProvider.builder("load-probe").maxConnections(2).build();
        this.http = HttpClient.create(provider).host(o.host).port(o.actuatorPort()).responseTimeout(Duration.ofSeconds(10));
    }

    /** One scrape of /actuator/prometheus; empty (and a single warning) when the gateway does not answer it. */
    public PrometheusText scrape() {
        if (!o.target.hasActuator()) {
            return PrometheusText.empty(); // no /actuator there: not a failure worth a warning or a request
        }
        try {
            String body = http.get().uri("/actuator/prometheus")
                    .responseSingle((resp, bytes) -> resp.status().code() == 200
                            ? bytes.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                            : bytes.asString().defaultIfEmpty("").map(x -> "\u0000" + resp.status().code()))
                    .block(Duration.ofSeconds(15));
            if (body == null || body.startsWith("\u0000")) {
                warnOnce("/actuator/prometheus answered " + (body == null ? "nothing" : "HTTP " + body.substring(1)));
                return PrometheusText.empty();
            }
            return PrometheusText.parse(body);
        }
        catch (RuntimeException e) {
            warnOnce("/actuator/prometheus unreachable: " + e.getMessage());
            return PrometheusText.empty();
        }
    }

    private void warnOnce(String what) {
        if (!warned) {
            warned = true;
            System.out.println("warning: " + what + " (server figures will be missing)");
        }
    }

    boolean hasPid() {
        return o.serverPid > 0;
    }

    /** The gateway's resident set (bytes) from /proc, or -1 without --server-pid. */
    public long rssBytes() {
        if (!hasPid()) {
            return -1;
        }
        try {
            try (java.io.InputStream in = Files.newInputStream(Path.of("/proc", String.valueOf(o.serverPid), "status"))) {
                return parseVmRss(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            }
        }
        catch (IOException e) {
            return -1;
        }
    }

    static long parseVmRss(String status) {
        Matcher m = Pattern.compile("(?m)^VmRSS:\\s+(\\d+)\\s*kB").matcher(status);
        return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
    }

    /** Full GC in the gateway, then its heap used (bytes); -1 without --server-pid or when jcmd fails. */
    public long heapAfterGc() {
        if (!hasPid() || !o.target.isJvm()) {
            return -1;
        }
        String gc = jcmd("GC.run");
        if (gc == null) {
            return -1;
        }
        String info = jcmd("GC.heap_info");
        long used = info == null ? -1 : parseHeapUsed(info);
        if (used < 0) {
            double heap = scrape().sum("jvm_memory_used_bytes", Map.of("area", "heap"));
            used = Double.isNaN(heap) ? -1 : (long) heap;
        }
        return used;
    }

    private String jcmd(String command) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        String exe = Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd";
        try {
            Process p = new ProcessBuilder(exe, String.valueOf(o.serverPid), command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                System.out.println("warning: jcmd " + command + " timed out");
                return null;
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                System.out.println("warning: jcmd " + o.serverPid + " " + command + " failed: " + text.strip());
                return null;
            }
            return text;
        }
        catch (IOException e) {
            System.out.println("warning: cannot run jcmd: " + e.getMessage());
            return null;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static final Pattern TOTAL_USED = Pattern.compile("total (\\d+)K, used (\\d+)K");
    private static final Pattern Z_USED = Pattern.compile("(?i)ZHeap\\s+used (\\d+)M");
    private static final Pattern SHENANDOAH_USED = Pattern.compile("(\\d+)([KMG]) used");

    /**
     * Heap used (bytes) from {@code jcmd GC.heap_info}: the G1 line, the sum of the generations of Serial and
     * Parallel, ZGC's or Shenandoah's line; -1 when the text says none of these.
     */
    static long parseHeapUsed(String info) {
        long total = 0;
        boolean any = false;
        for (String line : info.split("\n")) {
            String l = line.strip();
            if (l.startsWith("Metaspace") || l.startsWith("class space") || l.startsWith("region size")
                    || l.startsWith("eden") || l.startsWith("from") || l.startsWith("to ") || l.startsWith("object space")) {
                continue;
            }
            Matcher m = TOTAL_USED.matcher(l);
            if (m.find()) {
                long used = Long.parseLong(m.group(2)) * 1024;
                if (l.startsWith("garbage-first heap")) {
                    return used;
                }
                total += used;
                any = true;
            }
        }
        if (any) {
            return total;
        }
        Matcher z = Z_USED.matcher(info);
        if (z.find()) {
            return Long.parseLong(z.group(1)) * 1024 * 1024;
        }
        if (info.contains("Shenandoah")) {
            Matcher s = SHENANDOAH_USED.matcher(info);
            if (s.find()) {
                long v = Long.parseLong(s.group(1));
                return switch (s.group(2)) {
                    case "K" -> v * 1024;
                    case "M" -> v * 1024 * 1024;
                    default -> v * 1024 * 1024 * 1024;
                };
            }
        }
        return -1;
    }

    /** The figures of one scrape that the report shows (NaN where the gateway does not export them). */
    public static Map<String, Object> figures(PrometheusText t) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (t.isEmpty()) {
            return m;
        }
        m.put("connectionsActive", num(t.sum("gateway_connections_active")));
        m.put("subscriptionsActive", num(t.sum("gateway_subscriptions_active")));
        m.put("channelsActive", num(t.sum("gateway_channels_active")));
        m.put("messagesPublished", num(t.sum("gateway_messages_published_total")));
        m.put("messagesDelivered", num(t.sum("gateway_messages_delivered_total")));
        m.put("messagesDropped", num(t.sum("gateway_messages_dropped_total")));
        m.put("messagesDroppedByReason", byLabel(t, "gateway_messages_dropped_total", "reason"));
        m.put("disconnectsByReason", byLabel(t, "gateway_disconnects_total", "reason"));
        m.put("connectionsRejectedByReason", byLabel(t, "gateway_connections_rejected_total", "reason"));
        m.put("heapUsedBytes", num(t.sum("jvm_memory_used_bytes", Map.of("area", "heap"))));
        m.put("liveDataSizeBytes", num(t.sum("jvm_gc_live_data_size_bytes")));
        m.put("nonHeapUsedBytes", num(t.sum("jvm_memory_used_bytes", Map.of("area", "nonheap"))));
        m.put("residentMemoryBytes", num(t.sum("process_resident_memory_bytes")));
        m.put("gcPauseCount", num(t.sum("jvm_gc_pause_seconds_count")));
        m.put("gcPauseSeconds", num(t.sum("jvm_gc_pause_seconds_sum")));
        m.put("liveThreads", num(t.sum("jvm_threads_live_threads")));
        m.put("processCpuUsage", num(t.sum("process_cpu_usage")));
        return m;
    }

    private static Object num(double v) {
        if (Double.isNaN(v)) {
            return null;
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? (Object) (long) v : (Object) v;
    }

    private static Map<String, Object> byLabel(PrometheusText t, String name, String label) {
        Map<String, Object> out = new LinkedHashMap<>();
        t.sumBy(name, label).forEach((k, v) -> out.put(k.isEmpty() ? "(none)" : k, num(v)));
        return out;
    }

    /** after - before for every numeric figure (nested maps too): counters become "during the run". */
    public static Map<String, Object> delta(Map<String, Object> before, Map<String, Object> after) {
        return deltaOf(before, after);
    }

    private static Map<String, Object> deltaOf(Map<?, ?> before, Map<?, ?> after) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : after.entrySet()) {
            Object b = before.get(e.getKey());
            Object a = e.getValue();
            String key = String.valueOf(e.getKey());
            if (a instanceof Number an) {
                double bv = b instanceof Number bn ? bn.doubleValue() : 0;
                out.put(key, num(an.doubleValue() - bv));
            }
            else if (a instanceof Map<?, ?> am) {
                out.put(key, deltaOf(b instanceof Map<?, ?> bm ? bm : Map.of(), am));
            }
        }
        return out;
    }

    public static double value(Map<String, Object> figures, String key) {
        Object v = figures.get(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** A figure by label ({@code disconnectsByReason}...), empty when absent. */
    public static Map<String, Double> counts(Map<String, Object> figures, String key) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (figures.get(key) instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                if (v instanceof Number n) {
                    out.put(String.valueOf(k), n.doubleValue());
                }
            });
        }
        return out;
    }

    public static List<String> missing(Map<String, Object> figures, String... keys) {
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            if (!(figures.get(k) instanceof Number)) {
                out.add(k);
            }
        }
        return out;
    }

    public void close() {
        provider.disposeLater().block(Duration.ofSeconds(5));
    }
}
