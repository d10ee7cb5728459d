package org.pushgate.gateway.it.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import tools.jackson.databind.JsonNode;

/**
 * A small Server-Sent Events client over a raw socket, so that a test controls every byte and every pause: it
 * sends one GET, reads the status and headers, then (unless told to stall) decodes the chunked body into events on
 * a daemon thread. Comments ({@code : hb}) are kept too. Closing it closes the socket.
 */
public final class SseClient implements AutoCloseable {

    /** One event as the browser's EventSource would dispatch it (or a comment, with name {@code ":"}). */
    public record Event(String id, String name, String data) {
        public JsonNode json() {
            return Json.parse(data);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final int status;
    private final Map<String, String> headers;
    private final String errorBody;
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private volatile boolean ended;
    private volatile String lastEventId;

    private SseClient(Socket socket, InputStream in, int status, Map<String, String> headers, String errorBody) {
        this.socket = socket;
        this.in = in;
        this.status = status;
        this.headers = headers;
        this.errorBody = errorBody;
        Tracked.add(this);
    }

    /** Opens {@code /sse?<query>} and starts reading. @param requestHeaders name, value, name, value... */
    public static SseClient open(int port, String query, String... requestHeaders) throws IOException {
        return open(port, query, 0, true, requestHeaders);
    }

    /**
     * @param receiveBuffer SO_RCVBUF, 0 for the default (small for a peer that stops reading)
     * @param read false: read the headers and nothing more until {@link #startReading()} (a stalled peer)
     */
    public static SseClient open(int port, String query, int receiveBuffer, boolean read, String... requestHeaders)
            throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        StringBuilder request = new StringBuilder("GET /sse" + (query.isEmpty() ? "" : "?" + query) + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + port + "\r\nAccept: text/event-stream\r\n");
        for (int i = 0; i + 1 < requestHeaders.length; i += 2) {
            request.append(requestHeaders[i]).append(": ").append(requestHeaders[i + 1]).append("\r\n");
        }
        OutputStream out = socket.getOutputStream();
        out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
        }
        String body = null;
        if (status != 200) {
            body = readBody(in, headers);
        }
        socket.setSoTimeout(0);
        SseClient client = new SseClient(socket, in, status, headers, body);
        if (status != 200) {
            client.ended = true;
        } else if (read) {
            client.startReading();
        }
        return client;
    }

    public void startReading() {
        Thread reader = new Thread(this::readEvents, "sse-client-" + socket.getLocalPort());
        reader.setDaemon(true);
        reader.start();
    }

    public int status() {
        return status;
    }

    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The body of a refusal (status other than 200). */
    public String errorBody() {
        return errorBody;
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    /** Events with this name ({@code message}, {@code subscribed}, {@code not_recovered}, {@code close}, {@code :}). */
    public List<Event> events(String name) {
        return events.stream().filter(e -> e.name().equals(name)).toList();
    }

    /** The data of every message event, parsed. */
    public List<JsonNode> messages() {
        return events("message").stream().map(Event::json).toList();
    }

    /** The last id the stream gave, as an EventSource keeps it for its reconnect. */
    public String lastEventId() {
        return lastEventId;
    }

    /** Whether the server ended the response (or the connection). */
    public boolean ended() {
        return ended;
    }

    public Event await(Predicate<Event> condition, Duration within, String what) {
        Eventually.await(within, () -> what + "; events so far: " + events, () -> events.stream().anyMatch(condition));
        return events.stream().filter(condition).findFirst().orElseThrow();
    }

    public void awaitEnd(Duration within) {
        Eventually.await(within, () -> "the stream to end; events so far: " + events, () -> ended);
    }

    /** Drops the TCP connection with a reset (SO_LINGER 0). */
    public void abort() {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
        Tracked.remove(this);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
        Tracked.remove(this);
    }

    private void readEvents() {
        try {
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            while (true) {
                String size = line(in);
                int length = Integer.parseInt(size.trim(), 16);
                if (length == 0) {
                    break;
                }
                pending.write(in.readNBytes(length));
                line(in); // the CRLF after the chunk
                parse(pending);
            }
        } catch (IOException | RuntimeException e) {
            // the connection ended (closed by either side)
        } finally {
            ended = true;
        }
    }

    /** Dispatches every complete event (ended by a blank line) and keeps the rest. */
    private void parse(ByteArrayOutputStream pending) {
        String text = pending.toString(StandardCharsets.UTF_8);
        int end;
        int start = 0;
        while ((end = text.indexOf("\n\n", start)) >= 0) {
            String block = text.substring(start, end);
            start = end + 2;
            String id = null;
            String name = "message";
            List<String> data = new ArrayList<>();
            boolean comment = true;
            for (String field : block.split("\n")) {
                if (field.startsWith(":")) {
                    continue;
                }
                comment = false;
                int colon = field.indexOf(':');
                String key = colon < 0 ? field : field.substring(0, colon);
                String value = colon < 0 ? "" : field.substring(colon + 1).replaceFirst("^ ", "");
                switch (key) {
                    case "id" -> id = value;
                    case "event" -> name = value;
                    case "data" -> data.add(value);
                    default -> { } // retry, or unknown: ignored as by EventSource
                }
            }
            if (comment) {
                events.add(new Event(null, ":", block));
            } else if (!data.isEmpty()) {
                if (id != null) {
                    lastEventId = id;
                }
                events.add(new Event(id, name, String.join("\n", data)));
            }
        }
        byte[] rest = text.substring(start).getBytes(StandardCharsets.UTF_8);
        pending.reset();
        pending.writeBytes(rest);
    }

    private static String readBody(InputStream in, Map<String, String> headers) throws IOException {
        String length = headers.get("content-length");
        return length == null ? "" : new String(in.readNBytes(Integer.parseInt(length)), StandardCharsets.UTF_8);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                break;
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        if (b == -1 && line.size() == 0) {
            throw new IOException("end of stream");
        }
        return line.toString(StandardCharsets.UTF_8);
    }
}
