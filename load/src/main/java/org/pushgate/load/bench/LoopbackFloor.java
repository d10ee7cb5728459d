package org.pushgate.load.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;

/**
 * The floor under any fan-out on this machine: the least a server and its clients can spend to move one small
 * message over loopback TCP to each of N sockets, with no framework, no protocol, no allocation: plain NIO,
 * one non-blocking write of a fixed frame per socket per message on the server's threads, one read per socket
 * on the clients' threads, and the clients timing each frame (send time in the frame, same monotonic clock).
 *
 * <p>Server and clients share this one process (and the two cores), as the gateway and the generator do in a
 * fan-out run; each side's CPU is its own threads' CPU time (user + system), so per delivery it compares
 * directly with the gateway's and the generator's. Both ends of every connection are in this process, so N is
 * at most ~9,500 under the 20,000 open-file limit.
 *
 * <pre>java -cp load/target/load-gen.jar org.pushgate.load.bench.LoopbackFloor [connections] [msg/s] [seconds] [bytes] [threads]</pre>
 */
public final class LoopbackFloor {

    private LoopbackFloor() {
    }

    public static void main(String[] args) throws Exception {
        int connections = args.length > 0 ? Integer.parseInt(args[0]) : 9_000;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        int bytes = args.length > 3 ? Integer.parseInt(args[3]) : 150;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        if (connections < 1 || connections > 9_500 || rate < 1 || rate > 1_000 || seconds < 1 || seconds > 300
                || bytes < 16 || bytes > 65_536 || threads < 1 || threads > 8) {
            System.err.println("usage: LoopbackFloor [connections<=9500] [msg/s<=1000] [seconds<=300] [bytes 16..65536] [threads<=8]");
            System.exit(2);
        }
        ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 4096);
        InetSocketAddress address = (InetSocketAddress) listener.getLocalAddress();
        List<SocketChannel> serverSide = new ArrayList<>(connections);
        List<SocketChannel> clientSide = new ArrayList<>(connections);
        for (int i = 0; i < connections; i++) {
            SocketChannel client = SocketChannel.open(address);
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            SocketChannel server = listener.accept();
            server.setOption(StandardSocketOptions.TCP_NODELAY, true);
            server.configureBlocking(false);
            client.configureBlocking(false);
            serverSide.add(server);
            clientSide.add(client);
        }
        listener.close();

        Recorder latency = new Recorder(3);
        AtomicLong received = new AtomicLong();
        AtomicLong writes = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> writers = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(threads);
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime() + 200_000_000L;
        for (int t = 0; t < threads; t++) {
            List<SocketChannel> mineOut = new ArrayList<>();
            List<SocketChannel> mineIn = new ArrayList<>();
            for (int i = t; i < connections; i += threads) {
                mineOut.add(serverSide.get(i));
                mineIn.add(clientSide.get(i));
            }
            Thread writer = new Thread(() -> write(mineOut, bytes, start, interval, end, writes), "floor-server-" + t);
            Thread reader = new Thread(() -> {
                read(mineIn, bytes, end + 2_000_000_000L, latency, received);
                done.countDown();
            }, "floor-client-" + t);
            writers.add(writer);
            readers.add(reader);
        }
        readers.forEach(Thread::start);
        writers.forEach(Thread::start);
        for (Thread w : writers) {
            w.join();
        }
        done.await();
        long serverCpu = 0;
        long clientCpu = 0;
        for (Thread w : writers) {
            serverCpu += cpuTimes.getOrDefault(w.getName(), 0L);
        }
        for (Thread r : readers) {
            clientCpu += cpuTimes.getOrDefault(r.getName(), 0L);
        }
        Histogram h = latency.getIntervalHistogram();
        long n = received.get();
        System.out.printf("loopback floor: %d connections, %d msg/s, %d s, %d-byte frames, %d server + %d client threads%n",
                connections, rate, seconds, bytes, threads, threads);
        System.out.printf("  deliveries          %d written, %d received (%.0f/s)%n", writes.get(), n, n / (double) seconds);
        System.out.printf("  server CPU          %.2f us per delivery (%.2f cores)%n", serverCpu / 1e3 / Math.max(1, n),
                serverCpu / 1e9 / seconds);
        System.out.printf("  client CPU          %.2f us per delivery (%.2f cores)%n", clientCpu / 1e3 / Math.max(1, n),
                clientCpu / 1e9 / seconds);
        System.out.printf("  latency ms          p50 %.1f  p90 %.1f  p99 %.1f  max %.1f%n", h.getValueAtPercentile(50) / 1e6,
                h.getValueAtPercentile(90) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6);
        for (SocketChannel c : serverSide) {
            c.close();
        }
        for (SocketChannel c : clientSide) {
            c.close();
        }
    }

    private static final java.util.concurrent.ConcurrentHashMap<String, Long> cpuTimes = new java.util.concurrent.ConcurrentHashMap<>();

    private static void recordCpu() {
        cpuTimes.put(Thread.currentThread().getName(), ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime());
    }

    /** Every interval: one write of the same frame (send time at offset 0) to each socket; partial writes are finished. */
    private static void write(List<SocketChannel> sockets, int bytes, long start, long interval, long end, AtomicLong writes) {
        ByteBuffer frame = ByteBuffer.allocateDirect(bytes);
        long next = start;
        try {
            while (next < end) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                frame.clear();
                frame.putLong(0, System.nanoTime());
                for (SocketChannel s : sockets) {
                    ByteBuffer view = frame.duplicate();
                    while (view.hasRemaining()) {
                        if (s.write(view) == 0) {
                            Thread.onSpinWait(); // the peer is behind; a real server would queue instead
                        }
                    }
                    writes.incrementAndGet();
                }
                next += interval;
            }
        }
        catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
        recordCpu();
    }

    /** Reads whole frames from every readable socket and records send-to-receive time. */
    private static void read(List<SocketChannel> sockets, int bytes, long end, Recorder latency, AtomicLong received) {
        try (Selector selector = Selector.open()) {
            for (SocketChannel s : sockets) {
                s.register(selector, SelectionKey.OP_READ, ByteBuffer.allocateDirect(bytes));
            }
            while (System.nanoTime() < end) {
                if (selector.select(100) == 0) {
                    continue;
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    ByteBuffer buffer = (ByteBuffer) key.attachment();
                    SocketChannel s = (SocketChannel) key.channel();
                    while (s.read(buffer) > 0) {
                        if (!buffer.hasRemaining()) {
                            long sent = buffer.getLong(0);
                            latency.recordValue(Math.max(0, System.nanoTime() - sent));
                            received.incrementAndGet();
                            buffer.clear();
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        recordCpu();
    }
}
