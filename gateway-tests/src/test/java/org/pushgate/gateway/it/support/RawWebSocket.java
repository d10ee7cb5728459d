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
import java.util.Base64;

/**
 * A WebSocket peer on a plain blocking {@link Socket}, doing the HTTP upgrade and the framing by hand, so
 * that a test controls exactly what reaches the wire: a peer that never reads, never answers pings, resets
 * the connection, or disappears without a close frame. Used from test threads only (it blocks).
 */
public final class RawWebSocket implements AutoCloseable {

    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final HttpWire.Response handshake;

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

    /** How to open the socket. */
    public record Options(String localAddress, int receiveBufferSize) {
        public static Options defaults() {
            return new Options(null, 0);
        }

        public Options from(String address) {
            return new Options(address, receiveBufferSize);
        }

        public Options receiveBuffer(int bytes) {
            return new Options(localAddress, bytes);
        }
    }

    private RawWebSocket(Socket socket, HttpWire.Response handshake) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.handshake = handshake;
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
            String request = "GET " + pathAndQuery + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + port + "\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
                    + "Sec-WebSocket-Version: 13\r\n"
                    + "\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
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

    public HttpWire.Response handshake() {
        return handshake;
    }

    public boolean upgraded() {
        return handshake.status() == 101;
    }

    public Socket socket() {
        return socket;
    }

    // ---- writing (client frames are masked, as RFC 6455 requires)

    public void sendText(String text) throws IOException {
        sendFrame(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    public void sendBinary(byte[] bytes) throws IOException {
        sendFrame(BINARY, bytes);
    }

    public void sendPong(byte[] payload) throws IOException {
        sendFrame(PONG, payload);
    }

    public void sendClose(int code) throws IOException {
        sendFrame(CLOSE, new byte[] {(byte) (code >> 8), (byte) code});
    }

    public synchronized void sendFrame(int opcode, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(0x80 | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >> 8);
            frame.write(payload.length);
        } else {
            frame.write(0x80 | 127);
            long length = payload.length;
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) (length >> shift));
            }
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        frame.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    // ---- reading

    /** Reads one frame; throws {@link SocketTimeoutException} after {@code within}, {@link EOFException} at EOF. */
    public Frame readFrame(Duration within) throws IOException {
        socket.setSoTimeout((int) Math.max(1, within.toMillis()));
        int b0 = readByte();
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
            throw new IOException("server frames must not be masked");
        }
        if (length > 64 << 20) {
            throw new IOException("frame too long for a test: " + length);
        }
        byte[] payload = in.readNBytes((int) length);
        if (payload.length != length) {
            throw new EOFException("EOF inside a frame");
        }
        return new Frame(b0 & 0x0F, payload);
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

    // ---- ending

    /** Abortive close: SO_LINGER 0 makes close() send a TCP RST instead of a FIN. */
    public void reset() {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // already closed: nothing to reset
        }
        close();
    }

    /** Closes the TCP connection (FIN) without a close frame. */
    @Override
    public void close() {
        closeQuietly(socket);
        Tracked.remove(this);
    }

    public boolean isClosed() {
        return socket.isClosed();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing a broken socket: nothing more to do
        }
    }
}
