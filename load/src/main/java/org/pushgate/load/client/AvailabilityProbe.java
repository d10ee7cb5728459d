package org.pushgate.load.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.pushgate.load.cli.LoadOptions;
import org.pushgate.load.report.Percentiles;

/**
 * Whether the gateway still answers while it is attacked: every --probe-interval, on threads of its own,
 * {@code GET /actuator/health} (on the management port), a real WebSocket upgrade on the client port (answered 101,
 * then closed with a close frame, or refused 503), both from --probe-source-address and timed from connect to the
 * status line, and with --server-pid the gateway's open descriptors ({@code /proc/PID/fd}). Plain blocking sockets
 * with a deadline each, so that a probe measures the gateway, not a client library's pool. It owns its scheduler;
 * {@link #close} stops it (bounded).
 */
public final class AvailabilityProbe implements AutoCloseable {

    /** One probe: when (s since the start), in which phase of the run, what it got (a status, timeout...) and how fast. */
    public record Sample(double t, String phase, String answer, double ms) {
    }

    /** One kind of probe over a run. */
    public record Summary(long probes, Map<String, Long> answers, long slowerThanLimit, double maxMs,
                          Map<String, Double> maxMsByPhase) {
    }

    /** The gateway's open descriptors: before the attack, the most seen, after, and its open-file limit. */
    public record Descriptors(long before, long peak, long after, long limit, long samples) {
    }

    /** The highest figures since the previous {@link #tick}, for the once-a-second series. */
    public record Tick(Long descriptors, Double healthMs, Double upgradeMs) {
    }

    private static final int MAX_SAMPLES = 100_000;
    private static final byte[] CLOSE_FRAME = {(byte) 0x88, (byte) 0x80, 0, 0, 0, 0}; // masked, empty close frame

    private final LoadOptions o;
    private final InetSocketAddress health;
    private final InetSocketAddress upgrade;
    private final InetSocketAddress source;
    private final int timeoutMs;
    private final long startNanos = System.nanoTime();
    private final ScheduledExecutorService scheduler;
    private final List<Sample> healthSamples = new ArrayList<>();
    private final List<Sample> upgradeSamples = new ArrayList<>();
    private final Histogram healthMicros = Percentiles.newHistogram();
    private final Histogram upgradeMicros = Percentiles.newHistogram();
    private volatile String phase = "before";
    private long fdBefore = -1;
    private long fdPeak = -1;
    private long fdSamples;
    private long tickFds = -1;
    private double tickHealthMs = -1;
    private double tickUpgradeMs = -1;

    public AvailabilityProbe(LoadOptions o) {
        this.o = o;
        this.health = new InetSocketAddress(o.host, o.actuatorPort());
        this.upgrade = new InetSocketAddress(o.host, o.port);
        this.source = new InetSocketAddress(o.probeSourceAddress, 0);
        // A probe may take twice the limit, so that a slow answer is measured rather than cut at the limit.
        this.timeoutMs = (int) Math.min(30_000, 2 * o.answerWithinMs);
        this.scheduler = Executors.newScheduledThreadPool(3, r -> {
            Thread t = new Thread(r, "load-availability-probe");
            t.setDaemon(true);
            return t;
        });
    }

    /** Takes the descriptors' baseline, then probes every --probe-interval until {@link #close}. */
    public void start() {
        synchronized (this) {
            fdBefore = descriptors();
        }
        long every = o.probeIntervalMs;
        scheduler.scheduleAtFixedRate(() -> record(healthSamples, healthMicros, true, probeHealth()), 0, every,
                TimeUnit.MILLISECONDS);
        scheduler.scheduleAtFixedRate(() -> record(upgradeSamples, upgradeMicros, false, probeUpgrade()), every / 2,
                every, TimeUnit.MILLISECONDS);
        if (o.serverPid > 0) {
            scheduler.scheduleAtFixedRate(this::sampleDescriptors, every / 4, every, TimeUnit.MILLISECONDS);
        }
    }

    public void phase(String name) {
        phase = name;
    }

    private double now() {
        return Percentiles.round((System.nanoTime() - startNanos) / 1e9, 3);
    }

    private synchronized void record(List<Sample> samples, Histogram h, boolean isHealth, Sample s) {
        if (samples.size() < MAX_SAMPLES) {
            samples.add(s);
        }
        h.recordValue(Percentiles.clampMicros(Math.max(1, (long) (s.ms() * 1000))));
        if (isHealth) {
            tickHealthMs = Math.max(tickHealthMs, s.ms());
        }
        else {
            tickUpgradeMs = Math.max(tickUpgradeMs, s.ms());
        }
    }

    private void sampleDescriptors() {
        long n = descriptors();
        synchronized (this) {
            if (n >= 0) {
                fdSamples++;
                fdPeak = Math.max(fdPeak, n);
                tickFds = Math.max(tickFds, n);
            }
        }
    }

    /** The gateway's open descriptors now, or -1 without --server-pid (or when /proc says nothing). */
    public long descriptors() {
        if (o.serverPid <= 0) {
            return -1;
        }
        long n = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", String.valueOf(o.serverPid), "fd"))) {
            for (Path ignored : fds) {
                n++;
            }
            return n;
        }
        catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The gateway's soft open-file limit from /proc/PID/limits, or -1. */
    long openFilesLimit() {
        if (o.serverPid <= 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(o.serverPid), "limits"))) {
                if (line.startsWith("Max open files")) {
                    return Long.parseLong(line.substring("Max open files".length()).trim().split("\\s+")[0]);
                }
            }
        }
        catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private Sample probeHealth() {
        String request = "GET /actuator/health HTTP/1.1\r\nHost: " + o.host + ":" + health.getPort()
                + "\r\nConnection: close\r\n\r\n";
        return exchange(health, request, false);
    }

    private Sample probeUpgrade() {
        String request = "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + o.port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "User-Agent: pushgate-load-probe\r\n\r\n";
        return exchange(upgrade, request, true);
    }

    /** Connect, send, read the status line: every step within the probe's one deadline. */
    private Sample exchange(InetSocketAddress target, String request, boolean closeFrameAfter101) {
        String at = phase;
        double t = now();
        long t0 = System.nanoTime();
        long deadline = t0 + timeoutMs * 1_000_000L;
        String answer;
        double ms = -1;
        try (Socket s = new Socket()) {
            s.bind(source);
            s.connect(target, timeoutMs);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            answer = statusOf(s, deadline);
            ms = (System.nanoTime() - t0) / 1e6;
            if (closeFrameAfter101 && answer.equals("101")) {
                OutputStream out = s.getOutputStream();
                out.write(CLOSE_FRAME);
                out.flush();
            }
            drain(s, deadline);
        }
        catch (SocketTimeoutException e) {
            answer = "timeout";
        }
        catch (IOException | RuntimeException e) {
            String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            answer = m.contains("refused") ? "connect_refused" : m.contains("reset") ? "reset"
                    : "error:" + e.getClass().getSimpleName();
        }
        if (ms < 0) {
            ms = (System.nanoTime() - t0) / 1e6;
        }
        return new Sample(t, at, answer, Percentiles.round(ms, 3));
    }

    /**
     * Reads the rest until the gateway closes (its answer to our close frame, or the end of Connection: close),
     * bounded by the deadline and 64 KiB, so that our close is a FIN and not the reset of unread data.
     */
    private static void drain(Socket s, long deadline) {
        byte[] buf = new byte[4096];
        try {
            InputStream in = s.getInputStream();
            for (int total = 0; total < 65_536; ) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return;
                }
                s.setSoTimeout((int) left);
                int n = in.read(buf);
                if (n < 0) {
                    return;
                }
                total += n;
            }
        }
        catch (IOException e) {
            // The answer was read already; how the rest ends does not change it.
        }
    }

    /** The status code of the first line read, "closed" when the socket ends first, "timeout" past the deadline. */
    private static String statusOf(Socket s, long deadline) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder line = new StringBuilder();
        while (line.length() < 64) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return "timeout";
            }
            s.setSoTimeout((int) left);
            int c = in.read();
            if (c < 0) {
                return line.length() == 0 ? "closed" : "other";
            }
            if (c == '\n') {
                break;
            }
            line.append((char) c);
        }
        String l = line.toString();
        return l.startsWith("HTTP/1.") && l.length() >= 12 ? l.substring(9, 12) : "other";
    }

    /** The highest descriptors and answer times since the previous tick (null where nothing was sampled). */
    public synchronized Tick tick() {
        Tick t = new Tick(tickFds < 0 ? null : tickFds, tickHealthMs < 0 ? null : tickHealthMs,
                tickUpgradeMs < 0 ? null : tickUpgradeMs);
        tickFds = -1;
        tickHealthMs = -1;
        tickUpgradeMs = -1;
        return t;
    }

    public synchronized Summary health() {
        return summary(healthSamples);
    }

    public synchronized Summary upgrade() {
        return summary(upgradeSamples);
    }

    public synchronized Percentiles healthTimes() {
        return Percentiles.of(healthMicros);
    }

    public synchronized Percentiles upgradeTimes() {
        return Percentiles.of(upgradeMicros);
    }

    public synchronized List<Sample> healthSamples() {
        return List.copyOf(healthSamples);
    }

    public synchronized List<Sample> upgradeSamples() {
        return List.copyOf(upgradeSamples);
    }

    /** Descriptors with {@code after} sampled now. */
    public Descriptors descriptorsAfter() {
        long after = descriptors();
        synchronized (this) {
            return new Descriptors(fdBefore, Math.max(fdPeak, Math.max(fdBefore, after)), after, openFilesLimit(),
                    fdSamples);
        }
    }

    private Summary summary(List<Sample> samples) {
        Map<String, Long> answers = new TreeMap<>();
        Map<String, Double> maxByPhase = new LinkedHashMap<>();
        long slow = 0;
        double max = 0;
        for (Sample s : samples) {
            answers.merge(s.answer(), 1L, Long::sum);
            slow += s.ms() > o.answerWithinMs ? 1 : 0;
            max = Math.max(max, s.ms());
            maxByPhase.merge(s.phase(), s.ms(), Math::max);
        }
        return new Summary(samples.size(), answers, slow, max, maxByPhase);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(Math.max(3_000, 2L * timeoutMs), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
