package org.pushgate.gateway.it.security;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;

import org.pushgate.gateway.it.support.HttpWire;
import org.pushgate.gateway.it.support.Json;

import tools.jackson.databind.JsonNode;

/**
 * A blocking WebSocket client for the security tests, on a plain {@link Socket}: unlike the shared test
 * clients it sends the upgrade headers a test chooses ({@code Origin}, {@code Authorization}), may bind a
 * local address of its own (127.0.0.x: a fresh per-address bucket), and sends any bytes in any frame. It
 * answers pings, records every text frame, and is read only from the test thread, always with a deadline.
 */
final class WsClient implements AutoCloseable {

    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;

    static final Duration WAIT = Duration.ofSeconds(5);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final HttpWire.Response handshake;
    private final List<JsonNode> frames = new ArrayList<>();
    private final List<String> texts = new ArrayList<>();
    private int closeCode = -1;
    private String closeReason = "";
    private boolean closeSent;
    private boolean ended;


    private WsClient(Socket socket, HttpWire.Response handshake) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.handshake = handshake;
        if (handshake.status() != 101) {
            ended = true;
        }
    }

    /** Upgrades {@code /ws?query} with extra headers (name, value pairs); returns whatever the server answered. */
    static WsClient open(int port, String query, String... headers) {
        return open(null, port, query, headers);
    }

    /** Like {@link #open(int, String, String...)}, from a local address of the test's choice (e.g. 127.0.0.7). */
    static WsClient open(String localAddress, int port, String query, String... headers) {
        Socket socket = new Socket();
        try {
            if (localAddress != null) {
                socket.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
            }
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            socket.setSoTimeout(5_000);
            byte[] key = new byte[16];
            RANDOM.nextBytes(key);
            StringBuilder request = new StringBuilder()
                    .append("GET ").append(query == null || query.isEmpty() ? "/ws" : "/ws?" + query).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:").append(port).append("\r\n")
                    .append("Upgrade: websocket\r\n")
                    .append("Connection: Upgrade\r\n")
                    .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(key)).append("\r\n")
                    .append("Sec-WebSocket-Version: 13\r\n");
            for (int i = 0; i + 1 < headers.length; i += 2) {
                request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            request.append("\r\n");
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            HttpWire.Response handshake = HttpWire.read(socket.getInputStream(), false);
            WsClient client = new WsClient(socket, handshake);
            if (!client.upgraded()) {
                closeQuietly(socket);
            }
            return client;
        } catch (IOException e) {
            closeQuietly(socket);
            throw new AssertionError("upgrade to ws://127.0.0.1:" + port + "/ws?" + query + " failed", e);
        }
    }

    /** Upgrades and fails unless the server switched protocols. */
    static WsClient connect(int port, String query, String... headers) {
        WsClient client = open(port, query, headers);
        if (!client.upgraded()) {
            throw new AssertionError("upgrade refused: " + client.handshake());
        }
        return client;
    }

    /**
     * Upgrades, sends a connect with {@code token} and waits for the personal channel; fails if the gateway
     * refuses. Returns the client with {@code connected} and {@code subscribed} among its frames.
     */
    static WsClient authenticated(int port, String token) {
        WsClient client = connect(port, "");
        client.sendConnect(token, 0);
        JsonNode connected = client.reply(0);
        if (!Json.isOp(connected, "connected")) {
            client.close();
            throw new AssertionError("connect refused: " + connected);
        }
        String personal = "user:" + Json.text(connected, "user");
        client.await(f -> Json.isOp(f, "subscribed") && personal.equals(Json.text(f, "channel")), personal);
        return client;
    }

    /** Upgrades, sends a connect with {@code token} and returns the code the gateway closed with. */
    static int refusedCloseCode(int port, String token) {
        try (WsClient client = connect(port, "")) {
            client.sendConnect(token, 0);
            int code = client.awaitClose();
            if (client.frames().stream().anyMatch(f -> Json.isOp(f, "connected") || Json.isOp(f, "subscribed"))) {
                throw new AssertionError("refused token still connected or subscribed: " + client.frames());
            }
            return code;
        }
    }

    HttpWire.Response handshake() {
        return handshake;
    }

    boolean upgraded() {
        return handshake.status() == 101;
    }

    // ---- sending

    void send(String text) {
        sendFrame(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends {@code {"op":"connect","token":...,"id":id}}. */
    void sendConnect(String token, int id) {
        send("{\"op\":\"connect\",\"token\":\"" + token + "\",\"id\":" + id + "}");
    }

    void sendRefresh(String token, int id) {
        send("{\"op\":\"refresh\",\"token\":\"" + token + "\",\"id\":" + id + "}");
    }

    void sendSubscribe(String channel, int id) {
        send("{\"op\":\"subscribe\",\"channel\":\"" + channel + "\",\"id\":" + id + "}");
    }

    /** Subscribes and returns the reply carrying {@code id} (subscribed or error). */
    JsonNode subscribe(String channel, int id) {
        sendSubscribe(channel, id);
        return reply(id);
    }

    /**
     * Sends one final, masked frame as given. A write to a socket the server already closed is not an error
     * here: what the server did about it is what the test reads next.
     */
    void sendFrame(int opcode, byte[] payload) {
        sendRaw(0x80 | opcode, payload, true);
        if (opcode == CLOSE) {
            closeSent = true;
        }
    }

    /**
     * Sends a frame exactly as described: {@code firstByte} carries FIN, the RSV bits and the opcode (so a
     * test can send fragments, reserved opcodes and RSV bits); {@code masked} false sends what no client may.
     */
    void sendRaw(int firstByte, byte[] payload, boolean masked) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(firstByte);
        int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126) {
            frame.write(maskBit | payload.length);
        } else if (payload.length < 65536) {
            frame.write(maskBit | 126);
            frame.write(payload.length >> 8);
            frame.write(payload.length);
        } else {
            frame.write(maskBit | 127);
            long length = payload.length;
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) (length >> shift));
            }
        }
        byte[] mask = new byte[4];
        if (masked) {
            RANDOM.nextBytes(mask);
            frame.write(mask, 0, 4);
        }
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        try {
            out.write(frame.toByteArray());
            out.flush();
        } catch (IOException e) {
            // the server already closed the socket; the reader sees why
        }
    }

    // ---- receiving

    /** Every text frame received so far, parsed, in order. */
    List<JsonNode> frames() {
        return List.copyOf(frames);
    }

    /** Every text frame received so far, as sent. */
    List<String> texts() {
        return List.copyOf(texts);
    }

    /** The first frame (already received or still to come) that matches; fails after {@code within}. */
    JsonNode await(Predicate<JsonNode> matching, Duration within, String what) {
        int seen = 0;
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            for (; seen < frames.size(); seen++) {
                if (matching.test(frames.get(seen))) {
                    return frames.get(seen);
                }
            }
            if (ended || closeCode != -1) {
                throw new AssertionError("no frame: " + what + "; the server closed with " + closeCode
                        + " '" + closeReason + "' after " + frames);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no frame within " + within + ": " + what + "; received " + frames);
            }
            readOne(Duration.ofNanos(left));
        }
    }

    JsonNode await(Predicate<JsonNode> matching, String what) {
        return await(matching, WAIT, what);
    }

    /** The frame that carries this request id (a reply or an error). */
    JsonNode reply(int id) {
        return await(f -> f.has("id") && f.get("id").isNumber() && f.get("id").asInt() == id, "reply to request " + id);
    }

    /** The next frame of this op. */
    JsonNode awaitOp(String op) {
        return await(f -> Json.isOp(f, op), "a '" + op + "' frame");
    }

    /**
     * Reads until the server's close frame, answers it, and waits for the socket to end; returns the close
     * code. Fails if the server does not close within {@code within}.
     */
    int awaitClose(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (closeCode == -1 && !ended) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("the server did not close within " + within + "; received " + frames);
            }
            readOne(Duration.ofNanos(left));
        }
        drainToEof(Duration.ofSeconds(2));
        return closeCode;
    }

    int awaitClose() {
        return awaitClose(WAIT);
    }

    /** Reads for at most {@code within}; true when the server closed the connection meanwhile (not an error). */
    boolean closesWithin(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (closeCode == -1 && !ended) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            readOne(Duration.ofNanos(left));
        }
        return true;
    }

    /**
     * Reads until more than {@code count} text frames have arrived, the server closed, or {@code within}
     * passed; true unless the time ran out.
     */
    boolean awaitMoreFramesThan(int count, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (frames.size() <= count && closeCode == -1 && !ended) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            readOne(Duration.ofNanos(left));
        }
        return true;
    }

    /** The close code the server sent, or -1 while none has arrived. */
    int closeCode() {
        return closeCode;
    }

    /** The reason text of the server's close frame ("" when none). */
    String closeReason() {
        return closeReason;
    }

    /**
     * Reads whatever arrives for {@code period} and fails if the server closes the connection meanwhile:
     * the only way to show that something does not happen is to watch for a bounded time.
     */
    void assertStaysOpenFor(Duration period) {
        long deadline = System.nanoTime() + period.toNanos();
        while (true) {
            if (ended || closeCode != -1) {
                throw new AssertionError("the server closed the connection with " + closeCode + " '" + closeReason
                        + "'; received " + frames);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            readOne(Duration.ofNanos(left));
        }
    }

    boolean isOpen() {
        return !ended && closeCode == -1 && !socket.isClosed();
    }

    /** Reads one frame, or returns at the deadline; answers pings and the server's close frame. */
    private void readOne(Duration within) {
        try {
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, within.toMillis())));
            int b0 = readByte();
            int b1 = readByte();
            long length = b1 & 0x7F;
            if (length == 126) {
                length = ((long) readByte() << 8) | readByte();
            } else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | readByte();
                }
            }
            if (length > 16 << 20) {
                throw new AssertionError("frame too long for a test: " + length);
            }
            byte[] payload = in.readNBytes((int) length);
            if (payload.length != length) {
                ended = true;
                return;
            }
            onFrame(b0 & 0x0F, payload);
        } catch (SocketTimeoutException e) {
            // the caller's deadline decides
        } catch (IOException e) {
            ended = true; // EOF or reset
        }
    }

    private void onFrame(int opcode, byte[] payload) {
        switch (opcode) {
            case TEXT -> {
                String text = new String(payload, StandardCharsets.UTF_8);
                texts.add(text);
                frames.add(Json.parse(text));
            }
            case PING -> sendFrame(PONG, payload);
            case CLOSE -> {
                closeCode = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
                closeReason = payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
                if (!closeSent) {
                    sendFrame(CLOSE, new byte[] {payload.length >= 2 ? payload[0] : 0x03, payload.length >= 2 ? payload[1] : (byte) 0xE8});
                }
            }
            default -> {
                // binary or pong: the gateway sends neither to a client that did not ask
            }
        }
    }

    private void drainToEof(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!ended && System.nanoTime() < deadline) {
            readOne(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
        }
        closeQuietly(socket);
        ended = true;
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException();
        }
        return b;
    }

    // ---- ending

    /** A normal close (1000), waiting (bounded) for the server's answer, then the socket is closed. */
    @Override
    public void close() {
        if (!socket.isClosed() && !ended && closeCode == -1) {
            sendFrame(CLOSE, new byte[] {0x03, (byte) 0xE8});
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!ended && closeCode == -1 && System.nanoTime() < deadline) {
                readOne(Duration.ofNanos(deadline - System.nanoTime()));
            }
        }
        drainToEof(Duration.ofSeconds(2));
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing a broken socket: nothing more to do
        }
    }
}
