package org.pushgate.gateway.it.support;

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
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import tools.jackson.databind.JsonNode;

/**
 * A WebSocket peer on a plain blocking {@link Socket}, doing the HTTP upgrade and the framing by hand, so
 * that a test controls exactly what reaches the wire: the upgrade headers ({@code Origin},
 * {@code Authorization}), the local address (127.0.0.x: an admission bucket of its own), the receive window,
 * any frame (unmasked, fragmented, reserved bits and opcodes, oversized, or half of one), and how the socket
 * ends. Used from test threads only: it blocks, and every read has a deadline.
 *
 * <p>Two ways to read, over one frame reader:
 * <ul>
 *   <li>frame by frame ({@link #readFrame}, {@link #readUntilClosed}): nothing is answered, for a peer that
 *       never pongs, stops reading, or answers pings by hand;</li>
 *   <li>as a conversation ({@link #await}, {@link #reply}, {@link #awaitClose} ...): pings and the server's
 *       close frame are answered, and every text frame is recorded ({@link #frames()}, {@link #texts()}).</li>
 * </ul>
 * Either way the socket knows whether the server's close frame or the end of the stream has been seen.
 *
 * <p>Ways to end it, as for {@link TestClient}: {@link #close()} (close frame 1000, the answer awaited, when
 * neither side has closed yet), {@link #abort()} (TCP RST), {@link #vanish()} (FIN without a close frame).
 */
public final class RawWebSocket implements AutoCloseable {

    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    /** How long the conversation reads wait unless told otherwise. */
    public static final Duration WAIT = Duration.ofSeconds(5);

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long MAX_FRAME_BYTES = 64 << 20;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final HttpWire.Response handshake;
    private final List<JsonNode> frames = new ArrayList<>();
    private final List<String> texts = new ArrayList<>();
    /** The code of the server's close frame (1005 when it carries none), -1 while none has arrived. */
    private int closeCode = -1;
    private String closeReason = "";
    private boolean closeSent;
    /** EOF or reset seen, or never upgraded: nothing more will arrive. */
    private boolean ended;

    /** One frame as read off the wire (unfragmented frames only; the gateway sends no fragments). */
    public record Frame(int opcode, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The status code of a close frame, or -1 when it carries none. */
        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1;
        }
    }

    /** How to open the socket, and the extra headers of the upgrade request (name, value, name, value...). */
    public record Options(String localAddress, int receiveBufferSize, List<String> headers) {
        public static Options defaults() {
            return new Options(null, 0, List.of());
        }

        public Options from(String address) {
            return new Options(address, receiveBufferSize, headers);
        }

        public Options receiveBuffer(int bytes) {
            return new Options(localAddress, bytes, headers);
        }

        public Options header(String name, String value) {
            List<String> more = new ArrayList<>(headers);
            more.add(name);
            more.add(value);
            return new Options(localAddress, receiveBufferSize, List.copyOf(more));
        }
    }

    private RawWebSocket(Socket socket, HttpWire.Response handshake) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.handshake = handshake;
        this.ended = handshake.status() != 101;
    }

    public static RawWebSocket connect(int port, String pathAndQuery) {
        return connect(port, pathAndQuery, Options.defaults());
    }

    /**
     * Connects and sends the upgrade request; returns whatever the server answered (101 or not). The socket
     * stays open either way; check {@link #handshake()}.
     */
    public static RawWebSocket connect(int port, String pathAndQuery, Options options) {
        Socket socket = new Socket();
        try {
            if (options.receiveBufferSize() > 0) {
                socket.setReceiveBufferSize(options.receiveBufferSize()); // before connect: sets the TCP window
            }
            if (options.localAddress() != null) {
                socket.bind(new InetSocketAddress(InetAddress.getByName(options.localAddress()), 0));
            }
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            socket.setSoTimeout(5_000);
            byte[] key = new byte[16];
            RANDOM.nextBytes(key);
            StringBuilder request = new StringBuilder()
                    .append("GET ").append(pathAndQuery).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:").append(port).append("\r\n")
                    .append("Upgrade: websocket\r\n")
                    .append("Connection: Upgrade\r\n")
                    .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(key)).append("\r\n")
                    .append("Sec-WebSocket-Version: 13\r\n");
            List<String> headers = options.headers();
            for (int i = 0; i + 1 < headers.size(); i += 2) {
                request.append(headers.get(i)).append(": ").append(headers.get(i + 1)).append("\r\n");
            }
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            HttpWire.Response handshake = HttpWire.read(socket.getInputStream(), false);
            RawWebSocket ws = new RawWebSocket(socket, handshake);
            Tracked.add(ws);
            return ws;
        } catch (IOException e) {
            closeQuietly(socket);
            throw new AssertionError("upgrade to ws://127.0.0.1:" + port + pathAndQuery + " failed", e);
        }
    }

    public static RawWebSocket upgrade(int port, String pathAndQuery) {
        return upgrade(port, pathAndQuery, Options.defaults());
    }

    /** Like {@link #connect(int, String, Options)}, and fails unless the server switched protocols. */
    public static RawWebSocket upgrade(int port, String pathAndQuery, Options options) {
        RawWebSocket ws = connect(port, pathAndQuery, options);
        if (!ws.upgraded()) {
            ws.close();
            throw new AssertionError("upgrade refused: " + ws.handshake());
        }
        return ws;
    }

    public HttpWire.Response handshake() {
        return handshake;
    }

    public boolean upgraded() {
        return handshake.status() == 101;
    }

    public Socket socket() {
        return socket;
    }

    // ---- writing. A write to a socket the server already closed is not an error here: what the server did
    // about it is what the test reads next.

    public void send(String text) {
        sendFrame(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    public void sendPong(byte[] payload) {
        sendFrame(PONG, payload);
    }

    public void sendClose(int code) {
        sendFrame(CLOSE, new byte[] {(byte) (code >> 8), (byte) code});
    }

    /** Sends one final, masked frame, as RFC 6455 requires of a client. */
    public void sendFrame(int opcode, byte[] payload) {
        sendRaw(0x80 | opcode, payload, true);
    }

    /**
     * Sends a frame exactly as described: {@code firstByte} carries FIN, the RSV bits and the opcode (so a
     * test can send fragments, reserved opcodes and RSV bits); {@code masked} false sends what no client may.
     */
    public void sendRaw(int firstByte, byte[] payload, boolean masked) {
        write(encode(firstByte, payload, masked));
        if ((firstByte & 0x0F) == CLOSE) {
            closeSent = true;
        }
    }

    /** The bytes of one frame as {@link #sendRaw} sends it, for a test that writes many at once. */
    public static byte[] encode(int firstByte, byte[] payload, boolean masked) {
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
        return frame.toByteArray();
    }

    /** Writes bytes as they are: half a frame, a header without its payload, or several frames at once. */
    public synchronized void write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            // the server already closed the socket; the reader sees why
        }
    }

    /** Sends {@code {"op":"connect","token":...,"id":id}}. */
    public void sendConnect(String token, int id) {
        send("{\"op\":\"connect\",\"token\":\"" + token + "\",\"id\":" + id + "}");
    }

    public void sendRefresh(String token, int id) {
        send("{\"op\":\"refresh\",\"token\":\"" + token + "\",\"id\":" + id + "}");
    }

    public void sendSubscribe(String channel, int id) {
        send("{\"op\":\"subscribe\",\"channel\":\"" + channel + "\",\"id\":" + id + "}");
    }

    /** Subscribes and returns the reply carrying {@code id} (subscribed or error). */
    public JsonNode subscribe(String channel, int id) {
        sendSubscribe(channel, id);
        return reply(id);
    }

    // ---- reading frame by frame: nothing is answered

    /**
     * Reads one frame; throws {@link SocketTimeoutException} when none begins within {@code within},
     * {@link EOFException} at EOF. A frame that has begun is read to its end (within {@link #WAIT}), so that a
     * deadline never leaves the stream in the middle of a frame.
     */
    public Frame readFrame(Duration within) throws IOException {
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, within.toMillis())));
        try {
            int b0 = readByte();
            socket.setSoTimeout((int) WAIT.toMillis());
            int b1 = readByte();
            long length = b1 & 0x7F;
            if (length == 126) {
                length = (readByte() << 8) | readByte();
            } else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | readByte();
                }
            }
            if ((b1 & 0x80) != 0) {
                throw new AssertionError("server frames must not be masked");
            }
            if (length > MAX_FRAME_BYTES) {
                throw new AssertionError("frame too long for a test: " + length);
            }
            byte[] payload = in.readNBytes((int) length);
            if (payload.length != length) {
                throw new EOFException("EOF inside a frame");
            }
            Frame frame = new Frame(b0 & 0x0F, payload);
            if (frame.opcode() == CLOSE && closeCode == -1) {
                closeCode = payload.length >= 2 ? frame.closeCode() : 1005;
                closeReason = payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
            }
            return frame;
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            ended = true; // EOF or reset
            throw e;
        }
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException();
        }
        return b;
    }

    /** The outcome of reading until the server ends the connection. */
    public record Ending(int closeCode, boolean eof, int framesBefore) {
        public boolean closeFrameSeen() {
            return closeCode != -1;
        }
    }

    /**
     * Reads (discarding data frames, not answering pings) until the server's close frame and then EOF, or an
     * EOF or reset without a close frame. Fails if the server does neither within {@code within}.
     */
    public Ending readUntilClosed(Duration within) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        int closeCode = -1;
        int frames = 0;
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("server did not close the connection within " + within
                        + " (close frame seen: " + (closeCode != -1) + ", frames read: " + frames + ")");
            }
            try {
                Frame frame = readFrame(Duration.ofNanos(left));
                if (frame.opcode() == CLOSE) {
                    closeCode = frame.closeCode();
                } else {
                    frames++;
                }
            } catch (SocketTimeoutException e) {
                // loop: the deadline check above decides
            } catch (EOFException e) {
                return new Ending(closeCode, true, frames);
            } catch (IOException e) {
                // Connection reset by the server: as good as EOF for "the server ended it".
                return new Ending(closeCode, false, frames);
            }
        }
    }

    // ---- reading as a conversation: pings and the close frame answered, text frames recorded

    /** Every text frame received so far in conversation, parsed, in order. */
    public List<JsonNode> frames() {
        return List.copyOf(frames);
    }

    /** Every text frame received so far in conversation, as sent. */
    public List<String> texts() {
        return List.copyOf(texts);
    }

    /** The first frame (already received or still to come) that matches; fails after {@code within}. */
    public JsonNode await(Predicate<JsonNode> matching, Duration within, String what) {
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

    public JsonNode await(Predicate<JsonNode> matching, String what) {
        return await(matching, WAIT, what);
    }

    /** The frame that carries this request id (a reply or an error). */
    public JsonNode reply(int id) {
        return await(f -> f.has("id") && f.get("id").isNumber() && f.get("id").asInt() == id, "reply to request " + id);
    }

    /** The next frame of this op. */
    public JsonNode awaitOp(String op) {
        return await(f -> Json.isOp(f, op), "a '" + op + "' frame");
    }

    /**
     * Reads until the server's close frame, answers it, and waits for the socket to end; returns the close
     * code. Fails if the server does not close within {@code within}.
     */
    public int awaitClose(Duration within) {
        if (!closesWithin(within)) {
            throw new AssertionError("the server did not close within " + within + "; received " + frames);
        }
        drainToEof(Duration.ofSeconds(2));
        return closeCode;
    }

    public int awaitClose() {
        return awaitClose(WAIT);
    }

    /** Reads for at most {@code within}; true when the server closed the connection meanwhile (not an error). */
    public boolean closesWithin(Duration within) {
        return readUntil(() -> closeCode != -1 || ended, within);
    }

    /**
     * Reads until more than {@code count} text frames have arrived, the server closed, or {@code within}
     * passed; true unless the time ran out.
     */
    public boolean awaitMoreFramesThan(int count, Duration within) {
        return readUntil(() -> frames.size() > count || closeCode != -1 || ended, within);
    }

    /** The code of the server's close frame (1005 when it carries none), or -1 while none has arrived. */
    public int closeCode() {
        return closeCode;
    }

    /** The reason text of the server's close frame ("" when none). */
    public String closeReason() {
        return closeReason;
    }

    /**
     * Reads whatever arrives for {@code period} and fails if the server closes the connection meanwhile:
     * the only way to show that something does not happen is to watch for a bounded time.
     */
    public void assertStaysOpenFor(Duration period) {
        if (closesWithin(period)) {
            throw new AssertionError("the server closed the connection with " + closeCode + " '" + closeReason
                    + "'; received " + frames);
        }
    }

    /** Upgraded, and neither the server's close frame nor the end of the stream seen, nor the socket closed. */
    public boolean isOpen() {
        return !ended && closeCode == -1 && !socket.isClosed();
    }

    /** Reads as a conversation until {@code done} holds or {@code within} passed; true unless the time ran out. */
    private boolean readUntil(BooleanSupplier done, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!done.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            readOne(Duration.ofNanos(left));
        }
        return true;
    }

    /** Reads one frame, or returns at the deadline; answers pings and the server's close frame. */
    private void readOne(Duration within) {
        Frame frame;
        try {
            frame = readFrame(within);
        } catch (SocketTimeoutException e) {
            return; // the caller's deadline decides
        } catch (IOException e) {
            return; // EOF or reset: readFrame marked the connection ended
        }
        switch (frame.opcode()) {
            case TEXT -> {
                String text = frame.text();
                texts.add(text);
                frames.add(Json.parse(text));
            }
            case PING -> sendFrame(PONG, frame.payload());
            case CLOSE -> {
                byte[] payload = frame.payload();
                if (!closeSent) {
                    sendFrame(CLOSE, new byte[] {payload.length >= 2 ? payload[0] : 0x03, payload.length >= 2 ? payload[1] : (byte) 0xE8});
                }
            }
            default -> {
                // binary or pong: the gateway sends neither to a client that did not ask
            }
        }
    }

    /** Reads (answering, within {@code within}) until EOF, then closes the socket. */
    private void drainToEof(Duration within) {
        readUntil(() -> ended, within);
        vanish();
        ended = true;
    }

    // ---- ending

    /**
     * A normal close: while the server has not closed, sends 1000 (unless the test already sent a close frame)
     * and waits (bounded) for the server's answer; then reads to EOF (bounded) and closes the socket.
     */
    @Override
    public void close() {
        if (isOpen()) {
            if (!closeSent) {
                sendClose(1000);
            }
            closesWithin(WAIT); // unanswered, the socket is closed all the same
        }
        drainToEof(Duration.ofSeconds(2));
    }

    /** Abortive close: SO_LINGER 0 makes close() send a TCP RST instead of a FIN. */
    public void abort() {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // already closed: nothing to reset
        }
        vanish();
    }

    /** Closes the TCP connection (FIN) without a close frame. */
    public void vanish() {
        closeQuietly(socket);
        Tracked.remove(this);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing a broken socket: nothing more to do
        }
    }
}
