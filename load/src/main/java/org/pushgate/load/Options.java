package org.pushgate.load;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options of one run. Parsing is pure (no I/O) so that it is unit-tested; later occurrences of an
 * option win, which lets the scripts put their defaults first and pass the user's options after them.
 */
public final class Options {

    public static final Set<String> SCENARIOS = Set.of("connect", "fanout", "channels", "churn", "slow");

    /** Beyond this many connections one process would reach the per-process open-files limit (20,000 here). */
    public static final int CONNECTIONS_PER_PROCESS = 18_000;

    /** Ephemeral ports per source address that the generator plans to use (the range holds ~28k). */
    public static final int CONNECTIONS_PER_SOURCE_ADDRESS = 25_000;

    public String scenario;
    public boolean worker;
    public boolean help;

    public String host = "127.0.0.1";
    public int port = 8080;
    public String path = "/ws";
    public boolean allowRemote;

    public int connections;
    public double rate;
    public int maxInflight = 256;
    public long durationMs;
    public long warmupMs;
    public long timeoutMs;
    public long connectTimeoutMs = 10_000;

    public String channel = "load-fanout";
    public int channels = 1;
    public double publishRate;
    public int payloadBytes = 128;
    public int publishConcurrency = 32;
    public double minDeliveryRatio = 0.99;
    public boolean allowRejections;

    public int cycles;
    public int concurrency = 32;
    public int warmupCycles = 100;
    public long settleTimeoutMs = 30_000;
    public double heapToleranceMiB = 8;
    public String abort = "mixed";

    public double slowFraction = 0.25;
    public double p99Factor = 2.0;
    public double p99SlackMs = 2.0;
    public double memToleranceMiB = 64;
    public int slowReceiveBuffer = 65536;

    public List<String> sourceAddresses = new ArrayList<>();
    public int processes;
    public String childJvmOpts = "";
    public String apiKey;
    public long serverPid;

    public String out;
    public boolean html = true;
    public boolean quiet;
    public boolean verbose;

    // Set by the coordinator for its workers only.
    public int workerIndex;
    public int workerCount = 1;
    public int indexOffset;
    public int totalConnections;

    /** The options exactly as given (after the scenario), for worker command lines and the result file. */
    public final Map<String, String> given = new LinkedHashMap<>();

    public static Options parse(String... args) {
        Options o = new Options();
        int i = 0;
        if (i < args.length && args[i].equals("worker")) {
            o.worker = true;
            i++;
        }
        if (i < args.length && !args[i].startsWith("-")) {
            o.scenario = args[i].toLowerCase(Locale.ROOT);
            i++;
        }
        if (o.scenario != null && !SCENARIOS.contains(o.scenario)) {
            throw new IllegalArgumentException("unknown scenario '" + o.scenario + "' (one of " + String.join(", ",
                    List.of("connect", "fanout", "channels", "churn", "slow")) + ")");
        }
        o.applyDefaults();
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                o.help = true;
                continue;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            String key;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                key = a.substring(2, eq);
                value = a.substring(eq + 1);
            }
            else {
                key = a.substring(2);
                if (FLAGS.contains(key)) {
                    value = "true";
                }
                else {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--" + key + " needs a value");
                    }
                    value = args[++i];
                }
            }
            o.set(key, value);
            o.given.put(key, value);
        }
        if (o.scenario == null && !o.help) {
            throw new IllegalArgumentException("missing scenario (one of connect, fanout, channels, churn, slow)");
        }
        if (!o.help) {
            o.validate();
        }
        return o;
    }

    private static final Set<String> FLAGS = Set.of("no-html", "quiet", "verbose", "allow-remote", "allow-rejections");

    private void applyDefaults() {
        if (scenario == null) {
            return;
        }
        switch (scenario) {
            case "connect" -> {
                connections = 500;
                rate = 250;
                durationMs = 5_000;
            }
            case "fanout" -> {
                connections = 200;
                publishRate = 200;
                durationMs = 10_000;
                warmupMs = 2_000;
            }
            case "channels" -> {
                connections = 300;
                channels = 300;
                publishRate = 600;
                durationMs = 10_000;
                warmupMs = 2_000;
            }
            case "churn" -> {
                connections = 0;
                cycles = 2_000;
                channels = 10;
                durationMs = 40_000;
                settleTimeoutMs = 10_000;
            }
            case "slow" -> {
                connections = 8;
                publishRate = 300;
                payloadBytes = 12_288;
                durationMs = 6_000;
                warmupMs = 4_000;
            }
            default -> {
            }
        }
    }

    void set(String key, String v) {
        switch (key) {
            case "host" -> host = v;
            case "port" -> port = intIn(key, v, 1, 65535);
            case "path" -> path = v.startsWith("/") ? v : "/" + v;
            case "allow-remote" -> allowRemote = bool(v);
            case "connections", "n" -> connections = intIn(key, v, 0, 10_000_000);
            case "rate" -> rate = dbl(key, v, 0, 1e7);
            case "max-inflight" -> maxInflight = intIn(key, v, 1, 100_000);
            case "duration" -> durationMs = duration(key, v);
            case "warmup" -> warmupMs = duration(key, v);
            case "timeout" -> timeoutMs = duration(key, v);
            case "connect-timeout" -> connectTimeoutMs = duration(key, v);
            case "channel" -> channel = nonEmpty(key, v);
            case "channels" -> channels = intIn(key, v, 1, 10_000_000);
            case "publish-rate" -> publishRate = dbl(key, v, 0, 1e7);
            case "payload-bytes" -> payloadBytes = intIn(key, v, 0, 16 * 1024 * 1024);
            case "publish-concurrency" -> publishConcurrency = intIn(key, v, 1, 10_000);
            case "min-delivery-ratio" -> minDeliveryRatio = dbl(key, v, 0, 1);
            case "allow-rejections" -> allowRejections = bool(v);
            case "cycles" -> cycles = intIn(key, v, 0, 100_000_000);
            case "concurrency" -> concurrency = intIn(key, v, 1, 100_000);
            case "warmup-cycles" -> warmupCycles = intIn(key, v, 0, 1_000_000);
            case "settle-timeout" -> settleTimeoutMs = duration(key, v);
            case "heap-tolerance-mib" -> heapToleranceMiB = dbl(key, v, 0, 1e6);
            case "abort" -> {
                if (!Set.of("rst", "fin", "mixed").contains(v)) {
                    throw new IllegalArgumentException("--abort must be rst, fin or mixed");
                }
                abort = v;
            }
            case "slow-fraction" -> slowFraction = dbl(key, v, 0, 1);
            case "p99-factor" -> p99Factor = dbl(key, v, 1, 1e6);
            case "p99-slack-ms" -> p99SlackMs = dbl(key, v, 0, 1e6);
            case "mem-tolerance-mib" -> memToleranceMiB = dbl(key, v, 0, 1e6);
            case "slow-receive-buffer" -> slowReceiveBuffer = intIn(key, v, 256, 64 * 1024 * 1024);
            case "source-addresses" -> sourceAddresses = sourceAddresses(v);
            case "processes" -> processes = v.equals("auto") ? 0 : intIn(key, v, 1, 64);
            case "child-jvm-opts" -> childJvmOpts = v;
            case "api-key" -> apiKey = v.isEmpty() ? null : v;
            case "server-pid" -> serverPid = v.isEmpty() ? 0 : intIn(key, v, 0, Integer.MAX_VALUE);
            case "out" -> out = v;
            case "no-html" -> html = !bool(v);
            case "quiet" -> quiet = bool(v);
            case "verbose" -> verbose = bool(v);
            case "worker-index" -> workerIndex = intIn(key, v, 0, 1000);
            case "worker-count" -> workerCount = intIn(key, v, 1, 1000);
            case "index-offset" -> indexOffset = intIn(key, v, 0, Integer.MAX_VALUE);
            case "total-connections" -> totalConnections = intIn(key, v, 0, Integer.MAX_VALUE);
            default -> throw new IllegalArgumentException("unknown option --" + key);
        }
    }

    private void validate() {
        if (!allowRemote && !isLoopback(host)) {
            throw new IllegalArgumentException("--host " + host + " is not a loopback address; the generator only "
                    + "targets this machine unless --allow-remote is given");
        }
        if (totalConnections == 0) {
            totalConnections = connections;
        }
        switch (scenario) {
            case "connect", "fanout", "channels", "slow" -> {
                if (connections < 1) {
                    throw new IllegalArgumentException("--connections must be at least 1");
                }
            }
            case "churn" -> {
                if (cycles < 1) {
                    throw new IllegalArgumentException("--cycles must be at least 1");
                }
            }
            default -> {
            }
        }
        if (durationMs <= 0) {
            throw new IllegalArgumentException("--duration must be positive");
        }
        if (scenario.equals("slow") && (slowFraction <= 0 || slowFraction >= 1)) {
            throw new IllegalArgumentException("--slow-fraction must be between 0 and 1 (exclusive)");
        }
    }

    /** Every loop of a run ends by this time after its start, whatever happens. */
    public long hardTimeoutMs() {
        if (timeoutMs > 0) {
            return timeoutMs;
        }
        long ramp = rate > 0 ? (long) (connections / rate * 1000) : connections * 2L;
        long phases = scenario != null && scenario.equals("slow") ? 3 * durationMs + 3 * warmupMs + 20_000
                : durationMs + 3 * warmupMs;
        return ramp + phases + settleTimeoutMs + 60_000;
    }

    public static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            // Literal addresses only: no name lookup for anything but localhost.
            if (!host.matches("[0-9.]+") && !host.contains(":")) {
                return false;
            }
            return InetAddress.getByName(host).isLoopbackAddress();
        }
        catch (UnknownHostException e) {
            return false;
        }
    }

    /** {@code 127.0.0.1,127.0.0.2}, a range {@code 127.0.0.1-127.0.0.8}, or {@code auto} (empty list). */
    public static List<String> sourceAddresses(String v) {
        List<String> out = new ArrayList<>();
        if (v.isBlank() || v.equals("auto")) {
            return out;
        }
        for (String part : v.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int dash = p.indexOf('-');
            if (dash > 0) {
                String from = p.substring(0, dash);
                String to = p.substring(dash + 1);
                int a = lastOctet(from);
                int b = to.contains(".") ? lastOctet(to) : Integer.parseInt(to);
                String prefix = from.substring(0, from.lastIndexOf('.') + 1);
                if (b < a || b > 254) {
                    throw new IllegalArgumentException("bad address range " + p);
                }
                for (int x = a; x <= b; x++) {
                    out.add(prefix + x);
                }
            }
            else {
                lastOctet(p);
                out.add(p);
            }
        }
        for (String a : out) {
            if (!isLoopback(a)) {
                throw new IllegalArgumentException("source address " + a + " is not a loopback address");
            }
        }
        return out;
    }

    private static int lastOctet(String ip) {
        String[] parts = ip.split("\\.");
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + ip);
        }
        for (String part : parts) {
            int x = Integer.parseInt(part);
            if (x < 0 || x > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + ip);
            }
        }
        return Integer.parseInt(parts[3]);
    }

    /** Source addresses to use for {@code total} connections: the given ones, or enough of 127.0.0.x. */
    public List<String> effectiveSourceAddresses(int total) {
        if (!sourceAddresses.isEmpty()) {
            return sourceAddresses;
        }
        if (!isLoopback(host) || host.contains(":") || host.equalsIgnoreCase("localhost")) {
            return List.of();
        }
        int k = Math.max(1, (total + CONNECTIONS_PER_SOURCE_ADDRESS - 1) / CONNECTIONS_PER_SOURCE_ADDRESS);
        if (k == 1) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int x = 1; x <= Math.min(k, 254); x++) {
            out.add("127.0.0." + x);
        }
        return out;
    }

    /** Processes to use: the given count, or one per {@link #CONNECTIONS_PER_PROCESS} connections. */
    public int effectiveProcesses() {
        if (worker) {
            return 1;
        }
        if (processes > 0) {
            return processes;
        }
        if (scenario.equals("churn")) {
            return 1;
        }
        return Math.max(1, (connections + CONNECTIONS_PER_PROCESS - 1) / CONNECTIONS_PER_PROCESS);
    }

    public static long duration(String key, String v) {
        String s = v.strip().toLowerCase(Locale.ROOT);
        long mult;
        String num;
        if (s.endsWith("ms")) {
            mult = 1;
            num = s.substring(0, s.length() - 2);
        }
        else if (s.endsWith("s")) {
            mult = 1000;
            num = s.substring(0, s.length() - 1);
        }
        else if (s.endsWith("m")) {
            mult = 60_000;
            num = s.substring(0, s.length() - 1);
        }
        else if (s.endsWith("h")) {
            mult = 3_600_000;
            num = s.substring(0, s.length() - 1);
        }
        else {
            mult = 1000;
            num = s;
        }
        try {
            double d = Double.parseDouble(num);
            if (d < 0 || d * mult > 24 * 3_600_000.0) {
                throw new IllegalArgumentException("--" + key + " out of range: " + v);
            }
            return Math.round(d * mult);
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " is not a duration (e.g. 30s, 500ms, 2m): " + v);
        }
    }

    private static int intIn(String key, String v, int min, int max) {
        try {
            long x = Long.parseLong(v.strip().replace("_", ""));
            if (x < min || x > max) {
                throw new IllegalArgumentException("--" + key + " must be between " + min + " and " + max);
            }
            return (int) x;
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " is not a whole number: " + v);
        }
    }

    private static double dbl(String key, String v, double min, double max) {
        try {
            double x = Double.parseDouble(v.strip());
            if (!(x >= min && x <= max)) {
                throw new IllegalArgumentException("--" + key + " must be between " + min + " and " + max);
            }
            return x;
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " is not a number: " + v);
        }
    }

    private static boolean bool(String v) {
        return v.equals("true") || v.equals("1") || v.equals("yes");
    }

    private static String nonEmpty(String key, String v) {
        if (v.isBlank()) {
            throw new IllegalArgumentException("--" + key + " must not be empty");
        }
        return v;
    }

    /** The channel of connection {@code index} (global index) for fanout/channels/slow. */
    public String channelOf(int index) {
        if (scenario.equals("channels")) {
            return channel + "-" + (index % channels);
        }
        return channel;
    }

    /** Whether global connection {@code index} is one of the slow subscribers: spread evenly over the range. */
    public static boolean isSlow(int index, double fraction) {
        return Math.floor((index + 1) * fraction) > Math.floor(index * fraction);
    }

    public static String usage(String scenario) {
        String common = """
                Common options:
                  --host H                gateway host, loopback only (default 127.0.0.1)
                  --port P                gateway port (default 8080)
                  --path /ws              WebSocket path (default /ws)
                  --duration D            measured time: 10s, 500ms, 2m (default per scenario)
                  --timeout D             hard limit for the whole run (default: computed from the others)
                  --connections N         WebSocket connections (default per scenario)
                  --rate R                connects per second while ramping, 0 = as fast as possible
                  --max-inflight N        handshakes in flight at once (default 256)
                  --connect-timeout D     TCP connect + upgrade timeout (default 10s)
                  --allow-rejections      503 answers of the gateway's admission valve do not fail the verdict
                                          (they are still counted, as rejected_503)
                  --source-addresses L    local addresses to bind: 127.0.0.1,127.0.0.2 or 127.0.0.1-127.0.0.8
                                          (default: 127.0.0.1, or enough 127.0.0.x for 25,000 per address)
                  --processes K|auto      generator processes (default auto: one per 18,000 connections)
                  --child-jvm-opts "..."  JVM options for the worker processes
                  --api-key K             send Authorization: Bearer K when publishing
                  --server-pid PID        the gateway's pid: RSS from /proc/PID/status, heap after GC via jcmd
                  --out FILE.json         result file (default load/results/<scenario>-<timestamp>.json);
                                          the HTML report is written next to it
                  --no-html               skip the HTML report
                  --quiet                 no progress line
                  --verbose               Netty/Reactor warnings on the console
                """;
        String specific = switch (scenario == null ? "" : scenario) {
            case "connect" -> """
                    connect: ramp to N connections, hold them for --duration, close them.
                      Reports connect rate, handshake latency, failures by cause (rejected_503 apart),
                      server memory per connection. Defaults: --connections 500 --rate 250 --duration 5s
                    """;
            case "fanout" -> """
                    fanout: N subscribers of one channel; publish --publish-rate msg/s for --duration.
                      --channel NAME (load-fanout)  --publish-rate R (200)  --payload-bytes B (128)
                      --warmup D (2s; extended up to 3x until publish latency settles)
                      --publish-concurrency N (32)  --min-delivery-ratio X (0.99)
                      Defaults: --connections 200 --publish-rate 200 --duration 10s
                    """;
            case "channels" -> """
                    channels: N connections over K channels (connection i -> channel i mod K), publish round-robin.
                      --channels K (300)  --publish-rate R (600)  plus the fanout options.
                      Defaults: --connections 300 --channels 300 --duration 10s
                    """;
            case "churn" -> """
                    churn: C cycles of connect, subscribe, abrupt disconnect (no close frame); then the server's
                      active connections/subscriptions/channels must return to baseline, and (with --server-pid)
                      heap after GC must stay within --heap-tolerance-mib. Exit status 1 when not: a leak gate.
                      --cycles C (2000)  --concurrency N (32)  --channels K (10)  --warmup-cycles N (100)
                      --abort rst|fin|mixed (mixed)  --settle-timeout D (10s)  --heap-tolerance-mib M (8)
                      --duration D (40s, upper bound for the cycles)
                    """;
            case "slow" -> """
                    slow: a fraction of subscribers stop reading while messages flow. Phases: baseline (everyone
                      reads), slow (the slow ones stalled), baseline again (slow ones cut or reading). Verdict: server
                      memory bounded, the overflow policy acts on the slow ones (4xxx closes or drop/disconnect
                      metrics), fast subscribers' p99 within --p99-factor of the worse baseline (or + --p99-slack-ms).
                      --slow-fraction F (0.25)  --p99-factor X (2)  --p99-slack-ms MS (2)  --mem-tolerance-mib M (64)
                      --slow-receive-buffer BYTES (65536)  --publish-rate R (300)  --payload-bytes B (12288)
                      --warmup D (4s)  Defaults: --connections 8 --duration 6s per phase
                      Each slow subscriber must be sent more than the gateway's buffer plus the kernel's socket
                      buffers (several MiB) during --duration, or the overflow policy never acts.
                    """;
            default -> """
                    usage: java -jar load/target/load-gen.jar <scenario> [options]
                    scenarios: connect, fanout, channels, churn, slow   (<scenario> --help for its options)
                    """;
        };
        return specific + "\n" + common;
    }
}
