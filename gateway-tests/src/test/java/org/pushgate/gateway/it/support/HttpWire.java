package org.pushgate.gateway.it.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * Reads an HTTP/1.1 response off a raw socket, for the test clients that speak HTTP by hand ({@link RawWebSocket}'s
 * upgrade answers, the security suite's HTTP client): status line, headers, and a Content-Length or
 * chunked body. A 101 (Switching Protocols) has no body: what follows it is WebSocket frames.
 */
public final class HttpWire {

    private HttpWire() {
    }

    /** One response; header names are lower-cased. */
    public record Response(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public JsonNode json() {
            return Json.parse(body);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    /**
     * @param bodyUntilEof when the response has neither Content-Length nor chunked encoding, read the body to the
     *                     end of the stream (a {@code Connection: close} exchange); otherwise take it as empty
     */
    public static Response read(InputStream in, boolean bodyUntilEof) throws IOException {
        String statusLine = readLine(in);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while (!(line = readLine(in)).isEmpty()) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        String body = status == 101 ? "" : readBody(in, headers, bodyUntilEof);
        return new Response(status, headers, body);
    }

    private static String readBody(InputStream in, Map<String, String> headers, boolean untilEof) throws IOException {
        String length = headers.get("content-length");
        if (length != null) {
            return new String(in.readNBytes(Integer.parseInt(length)), StandardCharsets.UTF_8);
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            int size;
            while ((size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16)) > 0) {
                body.write(in.readNBytes(size));
                readLine(in);
            }
            readLine(in);
            return body.toString(StandardCharsets.UTF_8);
        }
        return untilEof ? new String(in.readAllBytes(), StandardCharsets.UTF_8) : "";
    }

    /** One CRLF- (or LF-) terminated line, without its terminator. */
    public static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new EOFException("EOF in HTTP response");
            }
            if (b != '\r') {
                line.write(b);
            }
            if (line.size() > 8192) {
                throw new IOException("HTTP line too long");
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }
}
