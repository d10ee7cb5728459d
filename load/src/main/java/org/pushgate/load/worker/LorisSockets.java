package org.pushgate.load.worker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.pushgate.load.cli.LoadOptions;
import org.pushgate.load.report.Percentiles;

/**
 * The half-finished handshakes of one generator process (the loris scenario): sockets that each send the start of
 * a WebSocket upgrade without its final empty line (or nothing, {@code --send nothing}) and then stay silent,
 * watched until the gateway closes them. Per socket it records when the gateway closed it, counted from the end of
 * its connect, and the first thing the gateway answered (nothing, or the status of an HTTP response: 503, 408...).
 * <p>
 * It owns two threads and every socket: the connecting thread ({@link #ramp}, the caller's) and the reading thread
 * (one selector). The connecting thread hands each socket over through a queue, and only the reading thread
 * touches the selector and the sockets' records, so that a close is seen within a select (50 ms) even while the
 * ramp goes on. Both end by {@link #finish} or at the run's deadline; {@code finish} closes every socket still open.
 * A port of gateway-tests' {@code it.tools.Loris}, which the load kit does not depend on.
 */
final class LorisSockets {

    /** One process holds at most this many: 20,000 open files per process here, minus the JVM's own. */
    static final int MAX_SOCKETS = LoadOptions.LORIS_SOCKETS_PER_PROCESS;

    /** Bytes of the gateway's first answer kept per socket: enough for {@code HTTP/1.1 503}. */
    private static final int ANSWER_BYTES = 12;

    /** One socket and what the gateway did to it; written by the reading thread only (after the hand-over). */
    private static final class Peer {
        final SocketChannel channel;
        final long connectedNanos;
        long closedNanos = -1;
        boolean reset;
        final byte[] answer = new byte[ANSWER_BYTES];
        int answerLength;

        Peer(SocketChannel channel, long connectedNanos) {
            this.channel = channel;
            this.connectedNanos = connectedNanos;
        }

        boolean closed() {
            return closedNanos >= 0;
        }

        /** nothing, the status code of an HTTP answer, or other. */
        String answer() {
            return answerOf(new String(answer, 0, answerLength, StandardCharsets.ISO_8859_1));
        }
    }

    private final LoadOptions o;
    private final List<InetSocketAddress> sources = new ArrayList<>();
    private final byte[] head;
    private final Selector selector;
    private final Queue<Peer> handOver = new ConcurrentLinkedQueue<>();
    private final List<Peer> peers = new ArrayList<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocate(4096);
    private final Thread reader;
    private final CpuMeter cpu = new CpuMeter();
    private final long startNanos = System.nanoTime();
    private final long startEpochMs = System.currentTimeMillis();

    private volatile boolean stopping;
    private volatile long deadlineNanos = Long.MAX_VALUE;
    private volatile long rampMs;
    private volatile long lastConnectNanos = -1;
    private volatile long firstConnectNanos = -1;

    private final LongAdder attempts = new LongAdder();
    private final LongAdder connected = new LongAdder();
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder closedByServer = new LongAdder();
    private final LongAdder refused503 = new LongAdder();
    private final Map<String, LongAdder> connectFailures = new java.util.concurrent.ConcurrentHashMap<>();
    private final Histogram connect = Percentiles.newHistogram();

    LorisSockets(LoadOptions o, List<String> sourceAddresses) {
        if (o.connections > MAX_SOCKETS) {
            throw new IllegalArgumentException("at most " + MAX_SOCKETS + " sockets per process, asked " + o.connections);
        }
        this.o = o;
        for (String s : sourceAddresses) {
            sources.add(new InetSocketAddress(s, 0));
        }
        String text = o.lorisSend.equals("nothing") ? ""
                : "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + o.port + "\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\n";
        this.head = text.getBytes(StandardCharsets.ISO_8859_1);
        try {
            this.selector = Selector.open();
        }
        catch (IOException e) {
            throw new IllegalStateException("cannot open a selector: " + e.getMessage(), e);
        }
        this.reader = new Thread(this::read, "load-loris-reader");
        this.reader.setDaemon(true);
    }

    static String answerOf(String firstBytes) {
        if (firstBytes.isEmpty()) {
            return "nothing";
        }
        if (firstBytes.length() >= 12 && firstBytes.startsWith("HTTP/1.") && firstBytes.substring(9, 12).chars()
                .allMatch(Character::isDigit)) {
            return firstBytes.substring(9, 12);
        }
        return "other";
    }

    /**
     * Opens this process's sockets (global indices from --index-offset, source addresses round-robin), at its share
     * of --rate or as fast as blocking connects go; returns when every one is connected or failed, or at the deadline.
     */
    void ramp(long deadline) {
        deadlineNanos = deadline;
        reader.start();
        InetSocketAddress target = new InetSocketAddress(o.host, o.port);
        int timeout = (int) Math.min(Integer.MAX_VALUE, o.connectTimeoutMs);
        long start = System.nanoTime();
        for (int i = 0; i < o.connections && !stopping && System.nanoTime() < deadline; i++) {
            if (o.rate > 0) {
                long due = start + (long) (i / o.rate * 1e9);
                while (System.nanoTime() < Math.min(due, deadline) && !stopping) {
                    LockSupport.parkNanos(Math.min(50_000_000, due - System.nanoTime()));
                }
            }
            connectOne(target, o.indexOffset + i, timeout);
            if ((i & 63) == 63) {
                selector.wakeup(); // the reader registers the new sockets now rather than at its next 50 ms
            }
        }
        selector.wakeup();
        rampMs = (System.nanoTime() - start) / 1_000_000;
    }

    private void connectOne(InetSocketAddress target, int global, int timeoutMs) {
        attempts.increment();
        SocketChannel channel = null;
        long t0 = System.nanoTime();
        try {
            channel = SocketChannel.open();
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (!sources.isEmpty()) {
                channel.bind(sources.get(Math.floorMod(global, sources.size())));
            }
            channel.socket().connect(target, timeoutMs);
            if (head.length > 0) {
                channel.write(ByteBuffer.wrap(head)); // a few dozen bytes into an empty send buffer: written at once
            }
            channel.configureBlocking(false);
        }
        catch (IOException | RuntimeException e) {
            WorkerStats.inc(connectFailures, FailureCause.of(e));
            closeQuietly(channel);
            return;
        }
        long now = System.nanoTime();
        connect.recordValue(Percentiles.clampMicros(Math.max(1, (now - t0) / 1000)));
        if (firstConnectNanos < 0) {
            firstConnectNanos = now;
        }
        lastConnectNanos = now;
        connected.increment();
        open.incrementAndGet();
        handOver.add(new Peer(channel, now));
    }

    /** The reading thread: registers handed-over sockets and notes what the gateway answers and when it closes. */
    private void read() {
        try {
            while (!stopping && System.nanoTime() < deadlineNanos) {
                selector.select(50);
                Peer p;
                while ((p = handOver.poll()) != null) {
                    peers.add(p);
                    try {
                        p.channel.register(selector, SelectionKey.OP_READ, p);
                    }
                    catch (IOException e) {
                        closed(p, true);
                    }
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    onReadable((Peer) key.attachment(), key);
                }
                selector.selectedKeys().clear();
            }
        }
        catch (IOException | RuntimeException e) {
            System.out.println("warning: the loris reader stopped: " + e);
        }
    }

    private void onReadable(Peer p, SelectionKey key) {
        int n;
        boolean reset = false;
        try {
            readBuffer.clear();
            n = p.channel.read(readBuffer);
        }
        catch (IOException e) {
            reset = true;
            n = -1;
        }
        if (n > 0 && p.answerLength < ANSWER_BYTES) {
            int k = Math.min(n, ANSWER_BYTES - p.answerLength);
            System.arraycopy(readBuffer.array(), 0, p.answer, p.answerLength, k);
            p.answerLength += k;
        }
        if (n < 0) {
            key.cancel();
            closed(p, reset);
        }
    }

    private void closed(Peer p, boolean reset) {
        if (p.closed()) {
            return;
        }
        p.closedNanos = System.nanoTime();
        p.reset = reset;
        closeQuietly(p.channel);
        open.decrementAndGet();
        closedByServer.increment();
        if (p.answer().equals("503")) {
            refused503.increment();
        }
    }

    private static void closeQuietly(SocketChannel c) {
        if (c != null) {
            try {
                c.close();
            }
            catch (IOException ignored) {
                // Closing our end of a socket: nothing left to do about it.
            }
        }
    }

    /** Cumulative counters for the once-a-second progress line. */
    WorkerProgress progress() {
        return new WorkerProgress(counters(), null, Percentiles.round(cpu.sample(), 3));
    }

    private Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("attempts", attempts.sum());
        m.put("opened", connected.sum());
        m.put("open", (long) open.get());
        long failed = 0;
        for (LongAdder a : connectFailures.values()) {
            failed += a.sum();
        }
        m.put("failed", failed);
        m.put("serverCloses", closedByServer.sum());
        m.put("refused503", refused503.sum());
        return m;
    }

    /**
     * Stops both threads (bounded), closes every socket still open, and reports: the closes by answer (in
     * {@code serverClosesFast}), the connect failures by cause, and per answer the histogram of the sockets'
     * lifetimes from connect to the gateway's close ({@code lifetime_<answer>}), all in the result's usual places.
     */
    WorkerResult finish() {
        stopping = true;
        selector.wakeup();
        try {
            reader.join(5_000);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Peer p;
        while ((p = handOver.poll()) != null) {
            peers.add(p);
        }
        long slackNanos = (o.handshakeTimeoutMs + o.closeSlackMs) * 1_000_000;
        long earlyNanos = Math.max(0, o.handshakeTimeoutMs - o.closeSlackMs) * 1_000_000;
        Map<String, Long> answers = new TreeMap<>();
        Map<String, Histogram> lifetimes = new HashMap<>();
        Histogram all = Percentiles.newHistogram();
        long late = 0;
        long earlySilent = 0;
        long resets = 0;
        long stillOpen = 0;
        long lastClose = -1;
        for (Peer peer : peers) {
            if (!peer.closed()) {
                stillOpen++;
                closeQuietly(peer.channel);
                continue;
            }
            String answer = peer.answer();
            long life = peer.closedNanos - peer.connectedNanos;
            answers.merge(answer, 1L, Long::sum);
            long micros = Percentiles.clampMicros(Math.max(1, life / 1000));
            lifetimes.computeIfAbsent(answer, k -> Percentiles.newHistogram()).recordValue(micros);
            all.recordValue(micros);
            late += life > slackNanos ? 1 : 0;
            earlySilent += answer.equals("nothing") && life < earlyNanos ? 1 : 0;
            resets += peer.reset ? 1 : 0;
            lastClose = Math.max(lastClose, peer.closedNanos);
        }
        try {
            selector.close();
        }
        catch (IOException ignored) {
            // Every socket is closed already; the selector's own descriptor goes with the process at worst.
        }
        Map<String, Long> counters = counters();
        counters.put("open", 0L);
        counters.put("stillOpenAtEnd", stillOpen);
        counters.put("closedLate", late);
        counters.put("closedEarlySilently", earlySilent);
        counters.put("resets", resets);
        counters.put("rampMs", rampMs);
        if (firstConnectNanos >= 0) {
            counters.put("firstConnectAtMs", epochMs(firstConnectNanos));
            counters.put("lastConnectAtMs", epochMs(lastConnectNanos));
        }
        if (lastClose >= 0) {
            counters.put("lastCloseAtMs", epochMs(lastClose));
        }
        Map<String, String> histograms = new TreeMap<>();
        histograms.put("connect", Percentiles.encode(connect));
        histograms.put("lifetime", Percentiles.encode(all));
        lifetimes.forEach((answer, h) -> histograms.put("lifetime_" + answer, Percentiles.encode(h)));
        return new WorkerResult(counters, WorkerStats.counts(connectFailures), Map.of(), answers, Map.of(), Map.of(),
                histograms, null, Percentiles.round(cpu.cpuSeconds(), 3), Percentiles.round(cpu.wallSeconds(), 3));
    }

    /** Wall-clock time of a nanoTime, comparable between the generator's processes on one machine. */
    private long epochMs(long nanos) {
        return startEpochMs + (nanos - startNanos) / 1_000_000;
    }
}
