package org.pushgate.load.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.pushgate.load.cli.LoadOptions;
import org.pushgate.load.client.Frames;
import org.pushgate.load.report.JsonCodec;
import org.pushgate.load.report.Percentiles;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Recovery benchmarks against real gateways (load/recovery.sh starts them):
 * <ul>
 *   <li>{@code single}: one client subscribes on {@code --port}, leaves, {@code --missed} messages are published
 *       through {@code --publish-port}, it subscribes again with {@code since} on {@code --resubscribe-port};
 *       the time from that subscribe frame to the last recovered message, {@code --repeats} times (after
 *       {@code --warmup-repeats}), each on a fresh channel;</li>
 *   <li>{@code mass}: {@code --clients} clients over {@code --channels} channels on {@code --port} (node A);
 *       it prints {@code ACTION kill} and waits until every socket is gone (the script kills A), publishes
 *       {@code --missed} messages per channel through {@code --publish-port} (node B), prints
 *       {@code ACTION restart} and waits for A's health (the script starts A again), then every client reconnects
 *       to A at once (at most {@code --max-inflight} handshakes in flight) and subscribes with {@code since}:
 *       the time until all recovered, how many said {@code recovered:true}, the per-client times and, with
 *       {@code --cpu-pidfile}, each process's CPU during the storm.</li>
 * </ul>
 * Loopback only; every wait is bounded. Exit status 0 when every recovery was complete (recovered:true, exactly
 * the missed offsets), 1 when not, 2 for bad usage, 3 when the run broke.
 */
@Command(name = "recovery", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = "Recovery benchmarks: single (one client, N missed messages) or mass (C clients after a node restart).")
public final class RecoveryBench implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "single|mass", description = "which benchmark")
    String mode;

    @Option(names = "--port", description = "node A: where clients subscribe (default ${DEFAULT-VALUE})")
    int port = 18801;

    @Option(names = "--publish-port", description = "where messages are published (default: --port)")
    int publishPort;

    @Option(names = "--resubscribe-port", description = "single: where the client subscribes again (default: --port)")
    int resubscribePort;

    @Option(names = "--missed", description = "messages published while away, per channel (default ${DEFAULT-VALUE})")
    int missed = 300;

    @Option(names = "--repeats", description = "single: measured repeats (default ${DEFAULT-VALUE})")
    int repeats = 9;

    @Option(names = "--warmup-repeats", description = "single: repeats before them, not counted (default ${DEFAULT-VALUE})")
    int warmupRepeats = 3;

    @Option(names = "--clients", description = "mass: clients (default ${DEFAULT-VALUE})")
    int clients = 10_000;

    @Option(names = "--channels", description = "mass: channels, client i on channel i mod K (default ${DEFAULT-VALUE})")
    int channels = 100;

    @Option(names = "--max-inflight", description = "mass: handshakes in flight at most (default ${DEFAULT-VALUE})")
    int maxInflight = 500;

    @Option(names = "--source-addresses", description = "loopback source addresses, round-robin (default ${DEFAULT-VALUE})")
    String sourceAddresses = "127.0.0.1-127.0.0.4";

    @Option(names = "--publish-concurrency", description = "publish requests in flight (default ${DEFAULT-VALUE})")
    int publishConcurrency = 32;

    @Option(names = "--channel-prefix", description = "channel names start with this (default ${DEFAULT-VALUE})")
    String prefix = "rec";

    @Option(names = "--phase-timeout", converter = Millis.class,
            description = "bound of each wait: subscribed, killed, restarted, recovered (default ${DEFAULT-VALUE} ms)")
    long phaseTimeoutMs = 180_000;

    @Option(names = "--cpu-pidfile", paramLabel = "NAME=FILE",
            description = "mass: a process whose CPU (/proc/PID/stat) is read around the storm; the pid is read from "
                    + "FILE when the storm starts (repeatable)")
    Map<String, String> cpuPidfiles = new LinkedHashMap<>();

    @Option(names = "--out", description = "result file (JSON)")
    String out;

    private final long runId = System.currentTimeMillis() % 1_000_000;
    private final List<HttpClient> wsClients = new ArrayList<>();
    private ConnectionProvider publishPool;
    private HttpClient publishHttp;
    private final Map<String, Object> result = new LinkedHashMap<>();

    public static void main(String[] args) {
        quietLogging();
        int status = new CommandLine(new RecoveryBench()).execute(args);
        System.out.flush();
        System.exit(status);
    }

    @Override
    public Integer call() {
        if (!List.of("single", "mass").contains(mode)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "mode must be single or mass: " + mode);
        }
        publishPort = publishPort > 0 ? publishPort : port;
        resubscribePort = resubscribePort > 0 ? resubscribePort : port;
        if (missed < 1 || repeats < 1 || clients < 1 || channels < 1 || channels > clients && mode.equals("mass")
                || maxInflight < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--missed, --repeats, --clients, --channels (<= --clients), --max-inflight must be positive");
        }
        publishPool = ConnectionProvider.builder("recovery-publish").maxConnections(publishConcurrency)
                .pendingAcquireMaxCount(-1).build();
        publishHttp = HttpClient.create(publishPool).host("127.0.0.1").port(publishPort)
                .responseTimeout(Duration.ofSeconds(10))
                .headers(h -> h.set("Content-Type", "application/json"));
        try {
            result.put("mode", mode);
            result.put("ports", Map.of("subscribe", port, "publish", publishPort, "resubscribe", resubscribePort));
            result.put("missedPerChannel", missed);
            boolean ok = mode.equals("single") ? single() : mass();
            result.put("pass", ok);
            String json = JsonCodec.writePretty(result);
            if (out != null) {
                Files.writeString(Path.of(out), json);
                System.out.println("wrote " + out);
            }
            System.out.println(json.length() > 4000 ? json.substring(0, 4000) + "..." : json);
            return ok ? 0 : 1;
        }
        catch (IOException | RuntimeException e) {
            System.err.println("error: the run failed: " + e);
            return 3;
        }
        finally {
            publishPool.disposeLater().block(Duration.ofSeconds(5));
        }
    }

    private HttpClient ws(int port, int index) {
        if (wsClients.isEmpty()) {
            List<String> sources = sources(sourceAddresses);
            for (String s : sources) {
                wsClients.add(HttpClient.newConnection().host("127.0.0.1")
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                        .bindAddress(() -> new InetSocketAddress(s, 0)));
            }
        }
        return wsClients.get(Math.floorMod(index, wsClients.size())).port(port);
    }

    static List<String> sources(String text) {
        List<String> out = new ArrayList<>();
        for (String part : text.split(",")) {
            part = part.trim();
            if (part.contains("-")) {
                String[] ab = part.split("-");
                String base = ab[0].substring(0, ab[0].lastIndexOf('.') + 1);
                int a = Integer.parseInt(ab[0].substring(ab[0].lastIndexOf('.') + 1));
                int b = Integer.parseInt(ab[1].substring(ab[1].lastIndexOf('.') + 1));
                for (int x = a; x <= b; x++) {
                    out.add(base + x);
                }
            }
            else if (!part.isEmpty()) {
                out.add(part);
            }
        }
        for (String s : out) {
            if (!LoadOptions.isLoopback(s) || s.contains(":")) {
                throw new IllegalArgumentException("--source-addresses must be 127.0.0.x addresses: " + s);
            }
        }
        return out.isEmpty() ? List.of("127.0.0.1") : out;
    }

    /** Waits until {@code condition}, at most {@code --phase-timeout}; false when it did not come. */
    private boolean await(BooleanSupplier condition) {
        long end = System.nanoTime() + phaseTimeoutMs * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            LockSupport.parkNanos(5_000_000);
        }
        return true;
    }

    /** Publishes {@code perChannel} messages to each channel, round-robin; returns how many were answered 200. */
    private long publish(List<String> chans, int perChannel) {
        List<String> bodies = new ArrayList<>(chans.size() * perChannel);
        for (int n = 0; n < perChannel; n++) {
            for (String c : chans) {
                bodies.add(Frames.publishBody(c, "{\"n\":" + n + ",\"pad\":\"" + "x".repeat(64) + "\"}"));
            }
        }
        Long ok = Flux.fromIterable(bodies)
                .flatMapSequential(b -> publishHttp.post().uri("/api/publish")
                        .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(b.getBytes(StandardCharsets.UTF_8))))
                        .responseSingle((resp, body) -> body.then(Mono.just(resp.status().code())))
                        .onErrorReturn(-1), publishConcurrency)
                .filter(code -> code == 200)
                .count()
                .block(Duration.ofMillis(phaseTimeoutMs));
        return ok == null ? 0 : ok;
    }

    // ---- single -----------------------------------------------------------------------------------------

    private boolean single() {
        List<Double> subscribeToLast = new ArrayList<>();
        List<Double> subscribeToReply = new ArrayList<>();
        List<Double> connectToLast = new ArrayList<>();
        boolean allOk = true;
        StreamClient.Tally tally = new StreamClient.Tally();
        for (int r = 0; r < warmupRepeats + repeats; r++) {
            String channel = prefix + "-" + runId + "-" + r;
            // One message first: the stream exists (and has its epoch) before the client's first subscribe.
            long pre = publish(List.of(channel), 1);
            StreamClient c = new StreamClient(r, channel, tally);
            c.open(ws(port, r), false);
            boolean subscribed = await(() -> c.done || c.closed);
            c.close();
            await(() -> c.closed);
            long published = publish(List.of(channel), missed);
            c.open(ws(resubscribePort, r), true);
            boolean recovered = await(() -> c.done || c.closed);
            boolean ok = pre == 1 && subscribed && published == missed && recovered && Boolean.TRUE.equals(c.recovered)
                    && c.recoveredMessages == missed;
            c.close();
            await(() -> c.closed);
            boolean measured = r >= warmupRepeats;
            System.out.printf("%s %d: recovered %s, %d of %d messages, subscribe->last %.1f ms, subscribe->reply %.1f ms%n",
                    measured ? "repeat" : "warm-up", r, c.recovered, c.recoveredMessages, missed,
                    c.subscribeToDoneMs(), (c.subscribedNanos - c.subscribeSentNanos) / 1e6);
            if (measured) {
                allOk &= ok;
                subscribeToLast.add(Percentiles.round(c.subscribeToDoneMs(), 2));
                subscribeToReply.add(Percentiles.round((c.subscribedNanos - c.subscribeSentNanos) / 1e6, 2));
                connectToLast.add(Percentiles.round(c.connectToDoneMs(), 2));
            }
        }
        result.put("repeats", repeats);
        result.put("warmupRepeats", warmupRepeats);
        result.put("subscribeToLastRecoveredMs", summary(subscribeToLast));
        result.put("subscribeToSubscribedReplyMs", summary(subscribeToReply));
        result.put("connectToLastRecoveredMs", summary(connectToLast));
        result.put("checks", tallyMap(tally));
        return allOk && tally.gaps.get() == 0 && tally.duplicates.get() == 0;
    }

    private static Map<String, Object> summary(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median", sorted.isEmpty() ? null : sorted.get(sorted.size() / 2));
        m.put("min", sorted.isEmpty() ? null : sorted.get(0));
        m.put("max", sorted.isEmpty() ? null : sorted.get(sorted.size() - 1));
        m.put("values", values);
        return m;
    }

    private static Map<String, Object> tallyMap(StreamClient.Tally t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("recoveredTrue", t.recoveredTrue.get());
        m.put("recoveredFalse", t.recoveredFalse.get());
        m.put("gaps", t.gaps.get());
        m.put("duplicates", t.duplicates.get());
        m.put("insufficientState", t.insufficientState.get());
        m.put("errorFrames", t.errorFrames.get());
        m.put("socketsEndedEarly", t.failed.get());
        return m;
    }

    // ---- mass -------------------------------------------------------------------------------------------

    private boolean mass() {
        List<String> chans = new ArrayList<>();
        for (int k = 0; k < channels; k++) {
            chans.add(prefix + "-" + runId + "-" + k);
        }
        long pre = publish(chans, 1);
        StreamClient.Tally first = new StreamClient.Tally();
        List<StreamClient> all = new ArrayList<>(clients);
        for (int i = 0; i < clients; i++) {
            all.add(new StreamClient(i, chans.get(i % channels), first));
        }
        long t0 = System.nanoTime();
        openAll(all, port, false, first);
        boolean subscribed = await(() -> first.done.get() + first.failed.get() >= clients);
        System.out.printf("subscribed %d of %d clients on :%d in %.1f s (%d failed)%n", first.done.get(), clients, port,
                (System.nanoTime() - t0) / 1e9, first.failed.get());
        result.put("clients", clients);
        result.put("channels", channels);
        result.put("subscribedBeforeKill", first.done.get());

        System.out.println("ACTION kill");
        long k0 = System.nanoTime();
        boolean gone = await(() -> first.closed.get() >= clients);
        result.put("socketsClosedAfterKillMs", Percentiles.round((System.nanoTime() - k0) / 1e6, 1));
        System.out.printf("%d of %d sockets closed after the kill%n", first.closed.get(), clients);
        long published = publish(chans, missed);
        result.put("publishedWhileDown", published);
        System.out.printf("published %d of %d messages through :%d%n", published, (long) missed * channels, publishPort);

        System.out.println("ACTION restart");
        long r0 = System.nanoTime();
        boolean up = await(this::nodeUp);
        result.put("nodeUpAfterRestartSignalMs", Percentiles.round((System.nanoTime() - r0) / 1e6, 1));

        Map<String, long[]> cpu0 = cpuTicks();
        StreamClient.Tally storm = new StreamClient.Tally();
        for (StreamClient c : all) {
            c.rebind(storm);
        }
        long s0 = System.nanoTime();
        int retries = openAll(all, port, true, storm);
        boolean recovered = await(() -> storm.done.get() >= clients);
        long s1 = System.nanoTime();
        Map<String, long[]> cpu1 = cpuTicks();
        double stormSeconds = (s1 - s0) / 1e9;

        double[] perClient = all.stream().filter(c -> c.done).mapToDouble(StreamClient::connectToDoneMs).sorted().toArray();
        double[] subToLast = all.stream().filter(c -> c.done).mapToDouble(StreamClient::subscribeToDoneMs).sorted().toArray();
        long complete = all.stream().filter(c -> c.done && Boolean.TRUE.equals(c.recovered) && c.recoveredMessages == missed)
                .count();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("allRecoveredWithinMs", Percentiles.round(stormSeconds * 1000, 1));
        s.put("clientsDone", storm.done.get());
        s.put("recoveredTrue", storm.recoveredTrue.get());
        s.put("recoveredFalse", storm.recoveredFalse.get());
        s.put("completeRecoveries", complete);
        s.put("recoveredMessages", all.stream().mapToLong(c -> c.recoveredMessages).sum());
        s.put("connectRetries", retries);
        s.put("perClientConnectToLastMs", quantiles(perClient));
        s.put("perClientSubscribeToLastMs", quantiles(subToLast));
        s.put("checks", tallyMap(storm));
        s.put("cpu", cpuFigures(cpu0, cpu1, stormSeconds));
        result.put("storm", s);
        for (StreamClient c : all) {
            c.close();
        }
        await(() -> all.stream().allMatch(c -> c.closed));
        for (StreamClient c : all) {
            c.dispose();
        }
        System.out.printf("storm: %d of %d recovered in %.2f s (recovered:true %d, false %d), %d retries%n",
                storm.done.get(), clients, stormSeconds, storm.recoveredTrue.get(), storm.recoveredFalse.get(), retries);
        return pre == channels && subscribed && first.failed.get() == 0 && gone && published == (long) missed * channels
                && up && recovered && complete == clients && storm.gaps.get() == 0 && storm.duplicates.get() == 0;
    }

    /**
     * Opens every client at once, at most {@code --max-inflight} handshakes in flight; a client whose socket
     * ended before its subscribe was answered (a 503, a reset) tries again after 500 ms, three times at most.
     * Returns the retries made.
     */
    private int openAll(List<StreamClient> all, int toPort, boolean recover, StreamClient.Tally tally) {
        int retries = 0;
        int[] attempts = new int[all.size()];
        List<StreamClient> pending = new ArrayList<>(all);
        long end = System.nanoTime() + phaseTimeoutMs * 1_000_000;
        while (!pending.isEmpty() && System.nanoTime() < end) {
            List<StreamClient> again = new ArrayList<>();
            for (StreamClient c : pending) {
                while (tally.inflight() >= maxInflight && System.nanoTime() < end) {
                    LockSupport.parkNanos(1_000_000);
                }
                attempts[c.index]++;
                c.open(ws(toPort, c.index), recover);
            }
            long settle = System.nanoTime() + 20_000_000_000L;
            while (tally.inflight() > 0 && System.nanoTime() < Math.min(end, settle)) {
                LockSupport.parkNanos(5_000_000);
            }
            for (StreamClient c : pending) {
                if (c.failed && attempts[c.index] < 4) {
                    again.add(c);
                }
            }
            if (!again.isEmpty()) {
                retries += again.size();
                tally.failed.addAndGet(-again.size());
                tally.closed.addAndGet(-again.size());
                LockSupport.parkNanos(500_000_000);
            }
            pending = again;
        }
        return retries;
    }

    private boolean nodeUp() {
        try {
            String body = HttpClient.create().host("127.0.0.1").port(port).get().uri("/actuator/health")
                    .responseSingle((resp, b) -> b.asString().defaultIfEmpty(""))
                    .block(Duration.ofSeconds(2));
            return body != null && body.contains("\"UP\"");
        }
        catch (RuntimeException e) {
            LockSupport.parkNanos(200_000_000);
            return false;
        }
    }

    private static Map<String, Object> quantiles(double[] sorted) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", sorted.length);
        if (sorted.length > 0) {
            m.put("p50", Percentiles.round(sorted[(int) (sorted.length * 0.50)], 1));
            m.put("p90", Percentiles.round(sorted[(int) (sorted.length * 0.90)], 1));
            m.put("p99", Percentiles.round(sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))], 1));
            m.put("max", Percentiles.round(sorted[sorted.length - 1], 1));
        }
        return m;
    }

    /** utime + stime ticks of each --cpu-pidfile process, and the machine's busy and total ticks. */
    private Map<String, long[]> cpuTicks() {
        Map<String, long[]> m = new LinkedHashMap<>();
        cpuPidfiles.forEach((name, file) -> {
            try {
                String pid = Files.readString(Path.of(file)).trim();
                String[] f = Files.readString(Path.of("/proc/" + pid + "/stat"))
                        .substring(Files.readString(Path.of("/proc/" + pid + "/stat")).lastIndexOf(')') + 2).split(" ");
                m.put(name, new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12])});
            }
            catch (IOException | RuntimeException e) {
                m.put(name, null);
            }
        });
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long[] v = Arrays.stream(cpu).skip(1).mapToLong(Long::parseLong).toArray();
            long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
            m.put("machine", new long[] {busy, busy + v[3] + v[4]});
        }
        catch (IOException | RuntimeException e) {
            m.put("machine", null);
        }
        return m;
    }

    private static Map<String, Object> cpuFigures(Map<String, long[]> a, Map<String, long[]> b, double seconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        double hz = 100.0;
        a.forEach((name, v0) -> {
            long[] v1 = b.get(name);
            if (v0 == null || v1 == null) {
                m.put(name, null);
            }
            else if (name.equals("machine")) {
                m.put("machineBusyCores", Percentiles.round((double) (v1[0] - v0[0]) / Math.max(1, v1[1] - v0[1])
                        * Runtime.getRuntime().availableProcessors(), 2));
            }
            else {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("cpuSeconds", Percentiles.round((v1[0] - v0[0]) / hz, 2));
                p.put("cores", Percentiles.round((v1[0] - v0[0]) / hz / Math.max(1e-3, seconds), 2));
                m.put(name, p);
            }
        });
        return m;
    }

    /** Durations: 500ms, 10s, 2m, or milliseconds. */
    static final class Millis implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String v) {
            String s = v.strip().toLowerCase(java.util.Locale.ROOT);
            if (s.endsWith("ms")) {
                return Long.parseLong(s.substring(0, s.length() - 2));
            }
            if (s.endsWith("s")) {
                return Long.parseLong(s.substring(0, s.length() - 1)) * 1000;
            }
            if (s.endsWith("m")) {
                return Long.parseLong(s.substring(0, s.length() - 1)) * 60_000;
            }
            return Long.parseLong(s);
        }
    }

    /** Netty and Reactor through java.util.logging, errors only: resets are expected in a kill and a storm. */
    private static void quietLogging() {
        reactor.util.Loggers.useJdkLoggers();
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.setLevel(java.util.logging.Level.SEVERE);
        for (java.util.logging.Handler h : root.getHandlers()) {
            h.setLevel(java.util.logging.Level.SEVERE);
        }
        reactor.core.publisher.Hooks.onErrorDropped(e -> {
        });
    }
}
