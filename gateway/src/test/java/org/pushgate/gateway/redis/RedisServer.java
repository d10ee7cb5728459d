package org.pushgate.gateway.redis;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} for a test: its own free loopback port, directory and pid file, no persistence;
 * stopped by its pid ({@link #kill()}: SIGKILL, {@link #pause()}/{@link #resume()}: SIGSTOP/SIGCONT). A JVM
 * shutdown hook kills whatever a crashed test left running. No redis-server on the PATH fails the test with how
 * to install it (./test.sh does), never skips it.
 *
 * <p>Blocking by design (processes, a plain socket): call it from test threads only.
 */
public final class RedisServer implements AutoCloseable {

    private static final Set<RedisServer> RUNNING = ConcurrentHashMap.newKeySet();
    private static final Duration START_WITHIN = Duration.ofSeconds(10);

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(RedisServer::kill), "redis-server-reaper"));
    }

    private final int port;
    private final Path dir;
    /** What this process is beyond a plain server: its replicaof arguments, or its sentinel configuration. */
    private final List<String> role;
    private final boolean sentinel;
    private volatile long pid;

    private RedisServer(int port, Path dir, List<String> role, boolean sentinel) {
        this.port = port;
        this.dir = dir;
        this.role = role;
        this.sentinel = sentinel;
    }

    /** Starts one on a free port. */
    public static RedisServer start() {
        return start(List.of(), false);
    }

    /** Starts a replica of this master ({@code --replicaof}) on a free port; it syncs in the background. */
    public static RedisServer replicaOf(RedisServer master) {
        return start(List.of("--replicaof", "127.0.0.1", Integer.toString(master.port)), false);
    }

    /**
     * Starts a Sentinel ({@code redis-server <conf> --sentinel}) on a free port that watches this master under
     * this name, with a quorum of one and a short down-after, so that a test can fail it over in seconds. The
     * configuration file lives in the sentinel's own directory (Sentinel rewrites it).
     */
    public static RedisServer sentinel(String masterName, RedisServer master, Duration downAfter) {
        return start(List.of(
                "sentinel monitor " + masterName + " 127.0.0.1 " + master.port + " 1",
                "sentinel down-after-milliseconds " + masterName + " " + downAfter.toMillis(),
                "sentinel failover-timeout " + masterName + " " + Math.max(3000, downAfter.toMillis() * 3),
                "sentinel parallel-syncs " + masterName + " 1"), true);
    }

    private static RedisServer start(List<String> role, boolean sentinel) {
        try {
            RedisServer server = new RedisServer(freePort(), Files.createTempDirectory("pushgate-redis-"), role, sentinel);
            server.launch();
            return server;
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String executable() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        for (String fallback : new String[] {"/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server"}) {
            if (Files.isExecutable(Path.of(fallback))) {
                return fallback;
            }
        }
        throw new AssertionError("redis-server is not installed: these tests need a real Redis. Install it with "
                + "'apt-get install -y redis-server' (./test.sh does that for you), then run the tests again.");
    }

    private void launch() throws IOException {
        Path pidFile = dir.resolve("redis.pid");
        Files.deleteIfExists(pidFile);
        List<String> command = new ArrayList<>(List.of(executable()));
        if (sentinel) {
            // A sentinel needs a configuration file it can rewrite; the options below apply on top of it.
            Path config = dir.resolve("sentinel.conf");
            Files.write(config, role);
            command.add(config.toString());
            command.add("--sentinel");
        }
        command.addAll(List.of(
                "--port", Integer.toString(port), "--bind", "127.0.0.1", "--daemonize", "yes",
                "--pidfile", pidFile.toString(), "--dir", dir.toString(), "--logfile", dir.resolve("redis.log").toString(),
                "--protected-mode", "no"));
        if (!sentinel) {
            command.addAll(List.of("--save", "", "--appendonly", "no"));
            command.addAll(role);
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(START_WITHIN.toSeconds(), TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new AssertionError("redis-server did not start on port " + port + ": "
                        + new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8) + log());
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        long deadline = System.nanoTime() + START_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(pidFile) && Files.size(pidFile) > 0) {
                String text = Files.readString(pidFile).trim();
                if (!text.isEmpty()) {
                    pid = Long.parseLong(text);
                    RUNNING.add(this);
                    break;
                }
            }
            sleep(20);
        }
        if (pid == 0) {
            throw new AssertionError("redis-server on port " + port + " wrote no pid file" + log());
        }
        while (System.nanoTime() < deadline) {
            try {
                if ("PONG".equals(command("PING"))) {
                    return;
                }
            }
            catch (UncheckedIOException notYet) {
                sleep(20);
            }
        }
        throw new AssertionError("redis-server on port " + port + " does not answer PING" + log());
    }

    public int port() {
        return port;
    }

    public long pid() {
        return pid;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** The first line of ROLE: {@code master}, {@code slave} or {@code sentinel}. */
    public String role() {
        List<?> reply = (List<?>) commandReply("ROLE");
        return reply.get(0).toString();
    }

    /** One field of INFO replication ({@code master_repl_offset}, say), or null. */
    public String replicationInfo(String field) {
        for (String line : command("INFO", "replication").split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        return null;
    }

    /** SIGKILL: gone at once, with everything it held (no persistence). */
    public void kill() {
        long p = pid;
        if (p != 0) {
            ProcessHandle.of(p).ifPresent(h -> {
                signal("CONT"); // a paused server dies too
                h.destroyForcibly();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (h.isAlive() && System.nanoTime() < deadline) {
                    sleep(10);
                }
            });
            pid = 0;
            RUNNING.remove(this);
        }
    }

    /** Starts it again on the same port, empty. */
    public void restart() {
        kill();
        try {
            launch();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGSTOP: the socket stays open, nothing answers. */
    public void pause() {
        signal("STOP");
    }

    /** SIGCONT. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        long p = pid;
        if (p == 0) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(p)).redirectErrorStream(true).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill -" + name + " " + p + " failed");
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The CPU time (user + system) the server used so far, from /proc/PID/stat, in clock ticks. */
    public long cpuTicks() {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One command over a fresh connection; the reply as a String (simple, bulk, integer), a List (arrays) or
     * null. For assertions (PUBSUB NUMSUB, KEYS, DEBUG...), not for load.
     */
    public Object commandReply(String... args) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
            for (String arg : args) {
                byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
                request.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
            }
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return read(new BufferedInputStream(socket.getInputStream()));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@link #commandReply} as text. */
    public String command(String... args) {
        Object reply = commandReply(args);
        return reply == null ? null : reply.toString();
    }

    /** PUBSUB NUMSUB for one Redis channel: how many connections are subscribed to it. */
    public long subscribers(String redisChannel) {
        List<?> reply = (List<?>) commandReply("PUBSUB", "NUMSUB", redisChannel);
        return Long.parseLong(reply.get(1).toString());
    }

    /** PUBSUB NUMSUB for many Redis channels in one command: their subscriber counts added up. */
    public long subscribers(List<String> redisChannels) {
        List<String> args = new ArrayList<>(List.of("PUBSUB", "NUMSUB"));
        args.addAll(redisChannels);
        List<?> reply = (List<?>) commandReply(args.toArray(String[]::new));
        long sum = 0;
        for (int i = 1; i < reply.size(); i += 2) {
            sum += Long.parseLong(reply.get(i).toString());
        }
        return sum;
    }

    /** PUBSUB CHANNELS pattern: the channels with at least one subscriber. */
    public List<String> channels(String pattern) {
        List<?> reply = (List<?>) commandReply("PUBSUB", "CHANNELS", pattern);
        return reply.stream().map(Object::toString).toList();
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        String line = line(in);
        switch (type) {
            case '+', ':' -> {
                return line;
            }
            case '-' -> throw new IllegalStateException("redis: " + line);
            case '$' -> {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(n + 2);
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
            case '*' -> {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    items.add(read(in));
                }
                return items;
            }
            default -> throw new IOException("unexpected reply type " + type + " " + line);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder out = new StringBuilder();
        for (int c; (c = in.read()) != -1; ) {
            if (c == '\r') {
                in.read();
                break;
            }
            out.append((char) c);
        }
        return out.toString();
    }

    private String log() {
        try {
            Path log = dir.resolve("redis.log");
            return Files.exists(log) ? "\n--- redis.log ---\n" + Files.readString(log) : "";
        }
        catch (IOException e) {
            return "";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Kills it and removes its directory. */
    @Override
    public void close() {
        kill();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }

    @Override
    public String toString() {
        return "redis-server[port=" + port + ", pid=" + pid + "]";
    }
}
