package org.pushgate.gateway.it.tools;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A slowloris attacker: many sockets that each send the start of a request and then nothing (or one byte now and
 * then), watched on one selector until the server closes them. Used small by the edge tests and, through
 * {@link #main}, at full scale by hand (docs/benchmarks.md). Every loop is bounded in count and time; it connects to
 * loopback only, from the 127.0.0.x source addresses it is given, and one process holds at most
 * {@link #MAX_SOCKETS} sockets (the machine's 20,000 open files per process, minus the JVM's own).
 */
public final class Loris implements AutoCloseable {

    public static final int MAX_SOCKETS = 19_000;

    /** The start of a WebSocket upgrade without its final empty line: the head never ends. */
    public static final String HALF_HEAD = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n";

    /** One socket and what the server did to it. */
    public static final class Peer {
        final SocketChannel channel;
        final long openedNanos;
        long closedNanos = -1;
        boolean reset;
        final StringBuilder received = new StringBuilder();

        Peer(SocketChannel channel, long openedNanos) {
            this.channel = channel;
            this.openedNanos = openedNanos;
        }

        public boolean closed() {
            return closedNanos >= 0;
        }

        /** The server answered 503 before closing (refused at accept). */
        public boolean refused503() {
            return received.indexOf("HTTP/1.1 503") == 0;
        }

        /** From connect until the server's close was seen, or null while open. */
        public Duration lifetime() {
            return closed() ? Duration.ofNanos(closedNanos - openedNanos) : null;
        }

        public String received() {
            return received.toString();
        }
    }

    private final Selector selector;
    private final List<Peer> peers = new ArrayList<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocate(4096);
    private int connectFailures;

    private Loris() throws IOException {
        this.selector = Selector.open();
    }

    /**
     * Opens {@code count} sockets to {@code 127.0.0.1:port}, spread over {@code sources} (round robin), each sending
     * {@code send} at once. A connect that fails (the server's backlog full) is counted, not retried.
     */
    public static Loris open(int port, List<String> sources, int count, String send, Duration connectTimeout)
            throws IOException {
        if (count > MAX_SOCKETS) {
            throw new IllegalArgumentException("at most " + MAX_SOCKETS + " sockets per process, asked " + count);
        }
        for (String source : sources) {
            if (!source.startsWith("127.")) {
                throw new IllegalArgumentException("loopback source addresses only: " + source);
            }
        }
        Loris loris = new Loris();
        byte[] bytes = send.getBytes(StandardCharsets.ISO_8859_1);
        InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);
        for (int i = 0; i < count; i++) {
            SocketChannel channel = SocketChannel.open();
            try {
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                channel.bind(new InetSocketAddress(sources.get(i % sources.size()), 0));
                channel.socket().connect(target, (int) connectTimeout.toMillis());
                if (bytes.length > 0) {
                    channel.write(ByteBuffer.wrap(bytes));
                }
                channel.configureBlocking(false);
                Peer peer = new Peer(channel, System.nanoTime());
                channel.register(loris.selector, SelectionKey.OP_READ, peer);
                loris.peers.add(peer);
            } catch (IOException e) {
                loris.connectFailures++;
                channel.close();
            }
            if ((i & 255) == 255) {
                loris.poll(Duration.ZERO); // notice early closes while the rest connect
            }
        }
        return loris;
    }

    /** Reads whatever arrived within {@code timeout} (0: what is there now) and notes the sockets the server closed. */
    public void poll(Duration timeout) throws IOException {
        long millis = timeout.toMillis();
        int ready = millis > 0 ? selector.select(millis) : selector.selectNow();
        if (ready == 0) {
            return;
        }
        for (SelectionKey key : selector.selectedKeys()) {
            Peer peer = (Peer) key.attachment();
            int n;
            try {
                readBuffer.clear();
                n = peer.channel.read(readBuffer);
            } catch (IOException e) {
                peer.reset = true;
                n = -1;
            }
            if (n > 0 && peer.received.length() < 256) {
                peer.received.append(new String(readBuffer.array(), 0, Math.min(n, 256), StandardCharsets.ISO_8859_1));
            }
            if (n < 0) {
                peer.closedNanos = System.nanoTime();
                key.cancel();
                peer.channel.close();
            }
        }
        selector.selectedKeys().clear();
    }

    /** Writes {@code bytes} to every socket still open (a body that trickles in); a failed write is a close. */
    public void trickle(String bytes) throws IOException {
        byte[] b = bytes.getBytes(StandardCharsets.ISO_8859_1);
        for (Peer peer : peers) {
            if (!peer.closed()) {
                try {
                    peer.channel.write(ByteBuffer.wrap(b));
                } catch (IOException e) {
                    peer.reset = true;
                }
            }
        }
    }

    /** Polls until every socket was closed by the server or {@code within} passed; returns whether all were. */
    public boolean awaitAllClosed(Duration within) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        while (open() > 0 && System.nanoTime() - deadline < 0) {
            poll(Duration.ofMillis(Math.max(1, Math.min(100, (deadline - System.nanoTime()) / 1_000_000))));
        }
        return open() == 0;
    }

    public List<Peer> peers() {
        return peers;
    }

    public int open() {
        return (int) peers.stream().filter(p -> !p.closed()).count();
    }

    public int refused503() {
        return (int) peers.stream().filter(Peer::refused503).count();
    }

    public int connectFailures() {
        return connectFailures;
    }

    /** Sockets the server closed without answering anything (the deadline's closes). */
    public List<Peer> closedSilently() {
        return peers.stream().filter(p -> p.closed() && p.received.length() == 0).toList();
    }

    @Override
    public void close() throws IOException {
        for (Peer peer : peers) {
            peer.channel.close();
        }
        selector.close();
    }

    /**
     * By hand, at full scale: {@code java -cp ... Loris --port 18200 --sources 127.0.0.2-127.0.0.5 --count 10000
     * --hold 30s}. Prints one line per second (open, closed, refused 503) and a summary; exits when every socket was
     * closed or after {@code --hold}.
     */
    public static void main(String[] args) throws IOException {
        int port = 8080;
        int count = 1000;
        List<String> sources = List.of("127.0.0.1");
        Duration hold = Duration.ofSeconds(30);
        String send = HALF_HEAD;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--count" -> count = Integer.parseInt(args[i + 1]);
                case "--sources" -> sources = range(args[i + 1]);
                case "--hold" -> hold = Duration.parse("PT" + args[i + 1].toUpperCase(Locale.ROOT));
                case "--send" -> send = switch (args[i + 1]) {
                    case "half-head" -> HALF_HEAD;
                    case "nothing" -> "";
                    default -> throw new IllegalArgumentException("--send half-head|nothing");
                };
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        long start = System.nanoTime();
        try (Loris loris = open(port, sources, count, send, Duration.ofSeconds(5))) {
            long connected = System.nanoTime();
            System.out.printf(Locale.ROOT, "connected %d (%d connect failures) from %s in %d ms%n", loris.peers.size(),
                    loris.connectFailures, sources, (connected - start) / 1_000_000);
            long deadline = connected + hold.toNanos();
            long nextLine = connected;
            while (loris.open() > 0 && System.nanoTime() - deadline < 0) {
                loris.poll(Duration.ofMillis(50));
                if (System.nanoTime() - nextLine >= 0) {
                    nextLine += 1_000_000_000L;
                    System.out.printf(Locale.ROOT, "t=%5d ms open %6d closed %6d refused503 %6d%n",
                            (System.nanoTime() - connected) / 1_000_000, loris.open(),
                            loris.peers.size() - loris.open(), loris.refused503());
                }
            }
            long lastClose = loris.peers.stream().filter(Peer::closed).mapToLong(p -> p.closedNanos).max().orElse(start);
            List<Duration> silent = loris.closedSilently().stream().map(Peer::lifetime).sorted().toList();
            System.out.printf(Locale.ROOT, "summary: sockets %d, closed by the server %d, refused 503 %d, resets %d, "
                            + "still open %d; closed silently %d (lifetime min %s max %s); last close %d ms after connect%n",
                    loris.peers.size(), loris.peers.size() - loris.open(), loris.refused503(),
                    loris.peers.stream().filter(p -> p.reset).count(), loris.open(), silent.size(),
                    silent.isEmpty() ? "-" : silent.get(0), silent.isEmpty() ? "-" : silent.get(silent.size() - 1),
                    (lastClose - connected) / 1_000_000);
        }
    }

    /** {@code 127.0.0.2-127.0.0.5} or a comma-separated list. */
    static List<String> range(String spec) {
        if (!spec.contains("-")) {
            return List.of(spec.split(","));
        }
        String[] ends = spec.split("-");
        String prefix = ends[0].substring(0, ends[0].lastIndexOf('.') + 1);
        int from = Integer.parseInt(ends[0].substring(ends[0].lastIndexOf('.') + 1));
        int to = Integer.parseInt(ends[1].substring(ends[1].lastIndexOf('.') + 1));
        List<String> out = new ArrayList<>();
        for (int x = from; x <= to; x++) {
            out.add(prefix + x);
        }
        return out;
    }
}
