package org.pushgate.load.cli;

import static org.pushgate.load.cli.Scenario.CHANNELS;
import static org.pushgate.load.cli.Scenario.CHURN;
import static org.pushgate.load.cli.Scenario.CONNECT;
import static org.pushgate.load.cli.Scenario.FANOUT;
import static org.pushgate.load.cli.Scenario.LORIS;
import static org.pushgate.load.cli.Scenario.SLOW;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The options of one run, as picocli fills them for one scenario's subcommand (see {@link LoadCommand}): the
 * scenario's defaults are set before parsing, so that they are what the help shows. Later occurrences of an
 * option win, which lets the scripts put their defaults first and pass the user's options after them. Every
 * option is accepted by every scenario (as before the subcommands); the help of a scenario lists those it uses
 * ({@link Only}).
 */
@Command(sortOptions = false, usageHelpAutoWidth = true, showDefaultValues = false)
public final class LoadOptions implements Cloneable {

    /** Beyond this many connections one process would reach the per-process open-files limit (20,000 here). */
    public static final int CONNECTIONS_PER_PROCESS = 18_000;

    /** loris: sockets per process at most (its share of the 20,000 open files, minus the JVM's own). */
    public static final int LORIS_SOCKETS_PER_PROCESS = 19_000;

    /** Ephemeral ports per source address that the generator plans to use (the range holds ~28k). */
    public static final int CONNECTIONS_PER_SOURCE_ADDRESS = 25_000;

    /** The scenarios whose help lists an option; an option without it is common to all. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    @interface Only {
        Scenario[] value();
    }

    public String scenario;
    public boolean worker;
    public boolean help;
    /** The help of the command that was asked for (with --help). */
    public String usage = "";

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "this help")
    boolean helpRequested;

    @Option(names = "--target", paramLabel = "pushgate|nchan|floor",
            description = "the server: this gateway, nginx with Nchan (load/nchan/nginx.conf: subscribers on "
                    + "/sub/{channel}, POST /pub/{channel} with the raw body), or the JVM floor speaking Nchan's API "
                    + "(org.pushgate.load.bench.NettyFloor) (default ${DEFAULT-VALUE})")
    String targetText = "pushgate";

    /** --target. */
    public org.pushgate.load.server.Target target = org.pushgate.load.server.Target.PUSHGATE;

    @Option(names = "--host", paramLabel = "H", description = "gateway host, loopback only (default ${DEFAULT-VALUE})")
    public String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "P", description = "gateway port (default ${DEFAULT-VALUE})")
    public int port = 8080;

    @Only({FANOUT, CHANNELS})
    @Option(names = "--connect-ports", paramLabel = "P1,P2,...",
            description = "spread the WebSocket connections over these gateway ports (connection i to port i mod "
                    + "the count; several gateways sharing a broker, load/cluster.sh); publishing and the scrapes stay "
                    + "on --port (default: --port only)")
    String connectPortsText = "";

    /** --connect-ports, or empty: every connection to --port. */
    public List<Integer> connectPorts = new ArrayList<>();

    @Option(names = "--path", paramLabel = "/ws", description = "WebSocket path (default ${DEFAULT-VALUE})")
    public String path = "/ws";

    @Only({FANOUT, CHANNELS})
    @Option(names = "--protocol", paramLabel = "pushgate|centrifugo",
            description = "the subscribers' protocol: the gateway's own on --path (pushgate), or Centrifugo's JSON "
                    + "client protocol (centrifugo: connect and subscribe commands, pings answered; --path defaults "
                    + "to /connection/websocket) (default ${DEFAULT-VALUE})")
    public String protocol = "pushgate";

    @Option(names = "--allow-remote", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            converter = Converters.Flag.class, description = "allow a --host that is not a loopback address")
    public boolean allowRemote;

    @Option(names = {"--connections", "--n"}, paramLabel = "N",
            description = "WebSocket connections (default ${DEFAULT-VALUE})")
    public int connections;

    @Option(names = "--rate", paramLabel = "R",
            description = "connects per second while ramping, 0 = as fast as possible (default ${DEFAULT-VALUE})")
    public double rate;

    @Option(names = "--max-inflight", paramLabel = "N", description = "handshakes in flight at once (default ${DEFAULT-VALUE})")
    public int maxInflight = 256;

    @Option(names = "--duration", paramLabel = "D", converter = Converters.Millis.class,
            description = "measured time: 10s, 500ms, 2m (default ${DEFAULT-VALUE} ms)")
    public long durationMs;

    @Only({FANOUT, CHANNELS, SLOW})
    @Option(names = "--warmup", paramLabel = "D", converter = Converters.Millis.class,
            description = "warm-up before measuring, extended up to 3x until publish latency settles (default ${DEFAULT-VALUE} ms)")
    public long warmupMs;

    @Only({CONNECT, FANOUT, CHANNELS})
    @Option(names = "--self-warmup", paramLabel = "D", converter = Converters.Millis.class,
            description = "before the run, the generator warms its own code for D: the same scenario, at most "
                    + SelfWarmupLimits.CONNECTIONS + " connections, against a stand-in server inside the generator "
                    + "(the JVM floor, speaking the target's protocol); the server under test sees none of it "
                    + "(default ${DEFAULT-VALUE} ms: off)")
    public long selfWarmupMs;

    /** Set on the copy that runs the self-warm-up: nothing printed, nothing written. */
    public boolean standIn;

    @Option(names = "--timeout", paramLabel = "D", converter = Converters.Millis.class,
            description = "hard limit for the whole run (default: computed from the others)")
    public long timeoutMs;

    @Option(names = "--connect-timeout", paramLabel = "D", converter = Converters.Millis.class,
            description = "TCP connect + upgrade timeout (default ${DEFAULT-VALUE} ms)")
    public long connectTimeoutMs = 10_000;

    @Only({FANOUT, CHANNELS, SLOW})
    @Option(names = "--channel", paramLabel = "NAME",
            description = "channel (prefix of the channels in channels) (default ${DEFAULT-VALUE})")
    public String channel = "load-fanout";

    @Only({CHANNELS, CHURN})
    @Option(names = "--channels", paramLabel = "K", description = "channels (default ${DEFAULT-VALUE})")
    public int channels = 1;

    @Only({FANOUT, CHANNELS, SLOW})
    @Option(names = "--publish-rate", paramLabel = "R", description = "messages per second (default ${DEFAULT-VALUE})")
    public double publishRate;

    @Only({FANOUT, CHANNELS, SLOW})
    @Option(names = {"--payload-bytes", "--message-bytes"}, paramLabel = "B",
            description = "size of each published message (default ${DEFAULT-VALUE})")
    public int payloadBytes = 128;

    @Only({FANOUT, CHANNELS, SLOW})
    @Option(names = "--publish-concurrency", paramLabel = "N",
            description = "publish requests in flight at most (default ${DEFAULT-VALUE})")
    public int publishConcurrency = 32;

    @Only({FANOUT, CHANNELS, SLOW})
    @Option(names = "--min-delivery-ratio", paramLabel = "X",
            description = "received / expected wanted (default ${DEFAULT-VALUE})")
    public double minDeliveryRatio = 0.99;

    @Option(names = "--allow-rejections", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            converter = Converters.Flag.class,
            description = "503 answers of the gateway's admission valve do not fail the verdict (they are still "
                    + "counted, as rejected_503)")
    public boolean allowRejections;

    @Only(CHURN)
    @Option(names = "--cycles", paramLabel = "C", description = "connect/subscribe/abort cycles (default ${DEFAULT-VALUE})")
    public int cycles;

    @Only(CHURN)
    @Option(names = "--concurrency", paramLabel = "N", description = "cycles in flight at once (default ${DEFAULT-VALUE})")
    public int concurrency = 32;

    @Only(CHURN)
    @Option(names = "--warmup-cycles", paramLabel = "N", description = "cycles before the baseline (default ${DEFAULT-VALUE})")
    public int warmupCycles = 100;

    @Only(CHURN)
    @Option(names = "--settle-timeout", paramLabel = "D", converter = Converters.Millis.class,
            description = "how long the gauges may take to return (default ${DEFAULT-VALUE} ms)")
    public long settleTimeoutMs = 30_000;

    @Only(CHURN)
    @Option(names = "--heap-tolerance-mib", paramLabel = "M",
            description = "heap after GC growth allowed, with --server-pid (default ${DEFAULT-VALUE})")
    public double heapToleranceMiB = 8;

    @Only(CHURN)
    @Option(names = "--abort", paramLabel = "rst|fin|mixed",
            description = "how a cycle ends: RST (SO_LINGER 0), a bare FIN, or both in turn (default ${DEFAULT-VALUE})")
    public String abort = "mixed";

    @Only(SLOW)
    @Option(names = "--slow-fraction", paramLabel = "F", description = "fraction of subscribers that stall (default ${DEFAULT-VALUE})")
    public double slowFraction = 0.25;

    @Only(SLOW)
    @Option(names = "--p99-factor", paramLabel = "X",
            description = "fast subscribers' p99 allowed, times the worse baseline's (default ${DEFAULT-VALUE})")
    public double p99Factor = 2.0;

    @Only(SLOW)
    @Option(names = "--p99-slack-ms", paramLabel = "MS",
            description = "or the worse baseline's p99 plus this (default ${DEFAULT-VALUE})")
    public double p99SlackMs = 2.0;

    @Only(SLOW)
    @Option(names = "--mem-tolerance-mib", paramLabel = "M",
            description = "gateway memory growth allowed while stalled (default ${DEFAULT-VALUE})")
    public double memToleranceMiB = 64;

    @Only(SLOW)
    @Option(names = "--stalled", paramLabel = "N",
            description = "instead of --slow-fraction: N stalled subscribers, each on a channel of its own (N "
                    + "channels, published round-robin), plus --fast-per-channel fast ones on each; --connections is "
                    + "then N x (1 + F) (default ${DEFAULT-VALUE}: off)")
    public int stalled;

    @Only(SLOW)
    @Option(names = "--fast-per-channel", paramLabel = "F",
            description = "with --stalled: fast subscribers on each stalled one's channel (default ${DEFAULT-VALUE})")
    public int fastPerChannel = 1;

    @Only(SLOW)
    @Option(names = "--queue-bytes-per-subscriber", paramLabel = "B",
            description = "with --stalled: what the gateway may queue per subscriber (its "
                    + "gateway.outbound.max-queued-bytes); RSS growth is reported against N x B and, with --server-pid, "
                    + "must stay within it plus --mem-tolerance-mib (default ${DEFAULT-VALUE})")
    public int queueBytesPerSubscriber = 1024 * 1024;

    @Only(SLOW)
    @Option(names = "--slow-receive-buffer", paramLabel = "BYTES",
            description = "SO_RCVBUF of the slow subscribers (default ${DEFAULT-VALUE})")
    public int slowReceiveBuffer = 65536;

    @Only(LORIS)
    @Option(names = "--send", paramLabel = "half-head|nothing",
            description = "what each socket sends: the start of an upgrade without its final empty line, or nothing "
                    + "(default ${DEFAULT-VALUE})")
    public String lorisSend = "half-head";

    @Only(LORIS)
    @Option(names = "--handshake-timeout", paramLabel = "D", converter = Converters.Millis.class,
            description = "the gateway's gateway.limits.handshake-timeout: every socket must be closed by then, plus "
                    + "--close-slack (default ${DEFAULT-VALUE} ms)")
    public long handshakeTimeoutMs = 10_000;

    @Only(LORIS)
    @Option(names = "--close-slack", paramLabel = "D", converter = Converters.Millis.class,
            description = "how late after --handshake-timeout a close may come (default ${DEFAULT-VALUE} ms)")
    public long closeSlackMs = 2_000;

    @Only(LORIS)
    @Option(names = "--probe-interval", paramLabel = "D", converter = Converters.Millis.class,
            description = "health, WebSocket upgrade and descriptor probes, each this often (default ${DEFAULT-VALUE} ms)")
    public long probeIntervalMs = 250;

    @Only(LORIS)
    @Option(names = "--answer-within", paramLabel = "D", converter = Converters.Millis.class,
            description = "health (200) and a WebSocket upgrade (101 or 503) must be answered within this "
                    + "(default ${DEFAULT-VALUE} ms)")
    public long answerWithinMs = 1_000;

    @Only(LORIS)
    @Option(names = "--probe-source-address", paramLabel = "A",
            description = "loopback address the probes connect from, apart from the attack's (default ${DEFAULT-VALUE})")
    public String probeSourceAddress = "127.0.0.254";

    @Only(LORIS)
    @Option(names = "--server-log", paramLabel = "FILE",
            description = "the gateway's log: the lines added during the run are counted (default: not counted)")
    public String serverLog;

    @Option(names = "--management-port", paramLabel = "P",
            description = "port of /actuator (the gateway's management.server.port) (default: --port)")
    public int managementPort;

    @Option(names = "--source-addresses", paramLabel = "L",
            description = "local addresses to bind: 127.0.0.1,127.0.0.2 or 127.0.0.1-127.0.0.8 (default: 127.0.0.1, "
                    + "or enough 127.0.0.x for 25,000 per address)")
    String sourceAddressesText = "auto";

    /** --source-addresses, one address each. */
    public List<String> sourceAddresses = new ArrayList<>();

    @Option(names = "--processes", paramLabel = "K|auto", converter = Converters.Processes.class,
            description = "generator processes (default auto: one per 18,000 connections)")
    public int processes;

    @Option(names = "--child-jvm-opts", paramLabel = "\"...\"", description = "JVM options for the worker processes")
    public String childJvmOpts = "";

    @Option(names = "--api-key", paramLabel = "K", description = "send Authorization: Bearer K when publishing")
    public String apiKey;

    @Option(names = "--server-pid", paramLabel = "PID", converter = Converters.Pid.class,
            description = "the gateway's pid: RSS from /proc/PID/status, heap after GC via jcmd")
    public long serverPid;

    @Option(names = "--out", paramLabel = "FILE.json",
            description = "result file (default load/results/<scenario>-<timestamp>.json); the HTML report is written "
                    + "next to it")
    public String out;

    @Option(names = "--no-html", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            converter = Converters.Flag.class, description = "skip the HTML report")
    public boolean noHtml;

    @Option(names = "--quiet", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            converter = Converters.Flag.class, description = "no progress line")
    public boolean quiet;

    @Option(names = "--verbose", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            converter = Converters.Flag.class, description = "Netty/Reactor warnings on the console")
    public boolean verbose;

    // Set by the coordinator for its workers only.
    @Option(names = "--worker-index", hidden = true)
    public int workerIndex;
    @Option(names = "--worker-count", hidden = true)
    public int workerCount = 1;
    @Option(names = "--index-offset", hidden = true)
    public int indexOffset;
    @Option(names = "--total-connections", hidden = true)
    public int totalConnections;

    /** Subscribers speak Centrifugo's JSON client protocol (--protocol centrifugo). */
    public boolean centrifugo() {
        return "centrifugo".equals(protocol);
    }

    /** The options exactly as given (after the scenario), for worker command lines and the result file. */
    public final Map<String, String> given = new LinkedHashMap<>();

    LoadOptions(Scenario scenario) {
        if (scenario != null) {
            this.scenario = scenario.id();
            scenario.applyDefaults(this);
        }
    }

    /** The bounds of --self-warmup's run. */
    public static final class SelfWarmupLimits {
        /** Connections at most: the stand-in's sockets are in the generator's process too (20,000 open files). */
        public static final int CONNECTIONS = 4_000;

        private SelfWarmupLimits() {
        }
    }

    /**
     * These options for one round of the self-warm-up against a stand-in on 127.0.0.1:{@code port}: the same scenario
     * and rates for {@code durationMs}, at most {@link SelfWarmupLimits#CONNECTIONS} connections, in this process, with
     * no server pid, no output and a channel of its own.
     */
    public LoadOptions forSelfWarmup(int standInPort, long durationMs) {
        LoadOptions w;
        try {
            w = (LoadOptions) clone();
        }
        catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
        w.standIn = true;
        w.selfWarmupMs = 0;
        w.host = "127.0.0.1";
        w.port = standInPort;
        w.connectPorts = List.of();
        w.managementPort = 0;
        w.serverLog = null;
        w.path = target == org.pushgate.load.server.Target.PUSHGATE ? "/ws" : path;
        w.connections = Math.min(connections, SelfWarmupLimits.CONNECTIONS);
        w.totalConnections = w.connections;
        w.channels = Math.max(1, Math.min(channels, w.connections));
        w.processes = 1;
        w.serverPid = 0;
        w.durationMs = durationMs;
        w.warmupMs = 0;
        w.timeoutMs = 0; // then computed from the others
        w.timeoutMs = w.hardTimeoutMs();
        w.channel = channel + "-self-warmup";
        w.apiKey = null;
        w.quiet = true;
        w.noHtml = true;
        w.out = null;
        return w;
    }

    /** Parses a command line ({@code <scenario> [options]} or {@code worker <scenario> [options]}). */
    public static LoadOptions parse(String... args) {
        return LoadCommand.parse(args);
    }

    public boolean html() {
        return !noHtml;
    }

    /** Checks what the types alone cannot; called once the command line is parsed. */
    void validate() {
        target = org.pushgate.load.server.Target.of(targetText); // (java.lang.annotation.Target is imported here)
        range("port", port, 1, 65535);
        range("connections", connections, 0, 10_000_000);
        range("rate", rate, 0, 1e7);
        range("max-inflight", maxInflight, 1, 100_000);
        range("channels", channels, 1, 10_000_000);
        range("publish-rate", publishRate, 0, 1e7);
        range("payload-bytes", payloadBytes, 0, 16 * 1024 * 1024);
        range("publish-concurrency", publishConcurrency, 1, 10_000);
        range("min-delivery-ratio", minDeliveryRatio, 0, 1);
        range("cycles", cycles, 0, 100_000_000);
        range("concurrency", concurrency, 1, 100_000);
        range("warmup-cycles", warmupCycles, 0, 1_000_000);
        range("heap-tolerance-mib", heapToleranceMiB, 0, 1e6);
        range("slow-fraction", slowFraction, 0, 1);
        range("p99-factor", p99Factor, 1, 1e6);
        range("p99-slack-ms", p99SlackMs, 0, 1e6);
        range("mem-tolerance-mib", memToleranceMiB, 0, 1e6);
        range("slow-receive-buffer", slowReceiveBuffer, 256, 64 * 1024 * 1024);
        range("stalled", stalled, 0, 100_000);
        range("fast-per-channel", fastPerChannel, 1, 1_000);
        range("queue-bytes-per-subscriber", queueBytesPerSubscriber, 0, Integer.MAX_VALUE);
        range("worker-index", workerIndex, 0, 1000);
        range("worker-count", workerCount, 1, 1000);
        range("index-offset", indexOffset, 0, Integer.MAX_VALUE);
        range("total-connections", totalConnections, 0, Integer.MAX_VALUE);
        range("management-port", managementPort, 0, 65535);
        range("handshake-timeout", handshakeTimeoutMs, 1, 3_600_000);
        range("probe-interval", probeIntervalMs, 10, 60_000);
        range("answer-within", answerWithinMs, 1, 60_000);
        if (!List.of("half-head", "nothing").contains(lorisSend)) {
            throw new IllegalArgumentException("--send must be half-head or nothing");
        }
        if (!isLoopback(probeSourceAddress) || probeSourceAddress.contains(":")) {
            throw new IllegalArgumentException("--probe-source-address must be a 127.0.0.x address");
        }
        serverLog = serverLog == null || serverLog.isEmpty() ? null : serverLog;
        if (!List.of("rst", "fin", "mixed").contains(abort)) {
            throw new IllegalArgumentException("--abort must be rst, fin or mixed");
        }
        if (channel.isBlank()) {
            throw new IllegalArgumentException("--channel must not be empty");
        }
        if (!List.of("pushgate", "centrifugo").contains(protocol)) {
            throw new IllegalArgumentException("--protocol must be pushgate or centrifugo");
        }
        if (centrifugo() && target != org.pushgate.load.server.Target.PUSHGATE) {
            throw new IllegalArgumentException("--protocol centrifugo is pushgate's Centrifugo endpoint: not with --target "
                    + target.id());
        }
        if (centrifugo() && !given.containsKey("path")) {
            path = "/connection/websocket";
        }
        path = path.startsWith("/") ? path : "/" + path;
        sourceAddresses = Converters.sourceAddresses(sourceAddressesText);
        connectPorts = new ArrayList<>();
        for (String p : connectPortsText.split(",")) {
            if (!p.isBlank()) {
                int v;
                try {
                    v = Integer.parseInt(p.trim());
                }
                catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--connect-ports must be a comma-separated list of ports: " + p);
                }
                range("connect-ports", v, 1, 65535);
                connectPorts.add(v);
            }
        }
        apiKey = apiKey == null || apiKey.isEmpty() ? null : apiKey;
        if (!allowRemote && !isLoopback(host)) {
            throw new IllegalArgumentException("--host " + host + " is not a loopback address; the generator only "
                    + "targets this machine unless --allow-remote is given");
        }
        if (stalledLayout() && !worker) {
            // The coordinator sizes the run; its workers are given their share with --connections.
            connections = stalled * (1 + fastPerChannel);
        }
        if (totalConnections == 0) {
            totalConnections = connections;
        }
        if (scenario.equals(CHURN.id()) ? cycles < 1 : connections < 1) {
            throw new IllegalArgumentException(scenario.equals(CHURN.id()) ? "--cycles must be at least 1"
                    : "--connections must be at least 1");
        }
        if (scenario.equals(LORIS.id()) && (connections + effectiveProcesses() - 1) / effectiveProcesses()
                > LORIS_SOCKETS_PER_PROCESS) {
            throw new IllegalArgumentException("at most " + LORIS_SOCKETS_PER_PROCESS + " half-finished sockets per "
                    + "generator process (20,000 open files here): use --processes " + ((connections
                    + LORIS_SOCKETS_PER_PROCESS - 1) / LORIS_SOCKETS_PER_PROCESS));
        }
        if (!target.hasActuator() && !List.of("connect", FANOUT.id(), CHANNELS.id()).contains(scenario)) {
            throw new IllegalArgumentException("--target " + target.id() + " runs connect, fanout and channels only");
        }
        if (durationMs <= 0) {
            throw new IllegalArgumentException("--duration must be positive");
        }
        if (scenario.equals(SLOW.id()) && !stalledLayout() && (slowFraction <= 0 || slowFraction >= 1)) {
            throw new IllegalArgumentException("--slow-fraction must be between 0 and 1 (exclusive)");
        }
    }

    private static void range(String key, double v, double min, double max) {
        if (!(v >= min && v <= max)) {
            boolean whole = min == Math.rint(min) && max == Math.rint(max) && v == Math.rint(v);
            throw new IllegalArgumentException("--" + key + " must be between " + (whole ? String.valueOf((long) min) : min)
                    + " and " + (whole ? String.valueOf((long) max) : max));
        }
    }

    /** Every loop of a run ends by this time after its start, whatever happens. */
    public long hardTimeoutMs() {
        if (timeoutMs > 0) {
            return timeoutMs;
        }
        long ramp = rate > 0 ? (long) (connections / rate * 1000) : connections * 2L;
        long phases = SLOW.id().equals(scenario) ? 3 * durationMs + 3 * warmupMs + 20_000 : durationMs + 3 * warmupMs;
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

    /** The gateway port of global connection {@code index}: --connect-ports round-robin, or --port. */
    public int portOf(int index) {
        return connectPorts.isEmpty() ? port : connectPorts.get(Math.floorMod(index, connectPorts.size()));
    }

    /** The port of /actuator: --management-port, or the client port. */
    public int actuatorPort() {
        return managementPort > 0 ? managementPort : port;
    }

    /** Processes to use: the given count, or one per {@link #CONNECTIONS_PER_PROCESS} connections. */
    public int effectiveProcesses() {
        if (worker) {
            return 1;
        }
        if (processes > 0) {
            return processes;
        }
        if (scenario.equals(CHURN.id())) {
            return 1;
        }
        return Math.max(1, (connections + CONNECTIONS_PER_PROCESS - 1) / CONNECTIONS_PER_PROCESS);
    }

    /** slow with --stalled: one stalled subscriber per channel, and fast ones beside it. */
    public boolean stalledLayout() {
        return SLOW.id().equals(scenario) && stalled > 0;
    }

    /** Whether subscribers and publishes are spread over {@link #channelCount()} channels named channel-k. */
    public boolean perChannel() {
        return CHANNELS.id().equals(scenario) || stalledLayout();
    }

    public int channelCount() {
        return CHANNELS.id().equals(scenario) ? channels : stalledLayout() ? stalled : 1;
    }

    /** The channel of connection {@code index} (global index), or of publish {@code index}, for fanout/channels/slow. */
    public String channelOf(long index) {
        if (perChannel()) {
            return channel + "-" + (index % channelCount());
        }
        return channel;
    }

    /** Whether global connection {@code index} is one of the slow (stalled) subscribers. */
    public boolean isSlowIndex(int index) {
        if (!SLOW.id().equals(scenario)) {
            return false;
        }
        // With --stalled, connections 0..N-1 are the stalled ones, connection i on channel i.
        return stalledLayout() ? index < stalled : isSlow(index, slowFraction);
    }

    /** Whether global connection {@code index} is one of the slow subscribers: spread evenly over the range. */
    public static boolean isSlow(int index, double fraction) {
        return Math.floor((index + 1) * fraction) > Math.floor(index * fraction);
    }
}
