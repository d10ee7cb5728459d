package org.pushgate.gateway.it.security;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.pushgate.gateway.it.support.HttpWire;


/**
 * HTTP for the security tests, on a fresh socket per request ({@code Connection: close}): the test
 * controls every header (Authorization of any shape), and no request rides on a kept-alive connection that
 * an earlier answer left behind (a keep-alive request that follows an actuator answer is sometimes never
 * answered; see the report of this package).
 */
final class Http {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)})?\\s+(\\S+)");

    private Http() {
    }

    /** An HTTP answer. */
    static String bearer(String credential) {
        return "Bearer " + credential;
    }

    static HttpWire.Response get(int port, String path, String... headers) {
        return send(port, "GET", path, new byte[0], headers);
    }

    static HttpWire.Response post(int port, String path, String body, String... headers) {
        return post(port, path, body.getBytes(StandardCharsets.UTF_8), headers);
    }

    static HttpWire.Response post(int port, String path, byte[] body, String... headers) {
        return send(port, "POST", path, body, headers);
    }

    /** POST /api/publish with the API key of the locked-down gateway. */
    static HttpWire.Response publish(int port, String channel, String dataJson) {
        return post(port, "/api/publish", "{\"channel\":\"" + channel + "\",\"data\":" + dataJson + "}",
                "Authorization", bearer(Tokens.API_KEY));
    }

    /**
     * The value of the Prometheus sample {@code name} whose labels include {@code labels} (pairs), summed;
     * 0 when the gateway shows no such sample.
     */
    static double metric(int port, String name, String... labels) {
        HttpWire.Response scrape = get(port, "/actuator/prometheus");
        if (scrape.status() != 200) {
            throw new AssertionError("scrape failed: " + scrape);
        }
        double sum = 0;
        for (String line : scrape.body().split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (line.startsWith("#") || !sample.find() || !sample.group(1).equals(name)) {
                continue;
            }
            String present = sample.group(3) == null ? "" : sample.group(3);
            boolean matches = true;
            for (int i = 0; i + 1 < labels.length; i += 2) {
                matches &= present.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
            }
            if (matches) {
                sum += Double.parseDouble(sample.group(4));
            }
        }
        return sum;
    }

    /** {@code gateway_disconnects_total{reason}}. */
    static double disconnects(int port, String reason) {
        return metric(port, "gateway_disconnects_total", "reason", reason);
    }

    /** {@code gateway_connections_rejected_total{reason}}. */
    static double rejected(int port, String reason) {
        return metric(port, "gateway_connections_rejected_total", "reason", reason);
    }

    static HttpWire.Response send(int port, String method, String path, byte[] body, String... headers) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            socket.setSoTimeout(10_000);
            StringBuilder request = new StringBuilder()
                    .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:").append(port).append("\r\n")
                    .append("Connection: close\r\n");
            if (method.equals("POST")) {
                request.append("Content-Type: application/json\r\n").append("Content-Length: ").append(body.length).append("\r\n");
            }
            for (int i = 0; i + 1 < headers.length; i += 2) {
                request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            request.append("\r\n");
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            return HttpWire.read(socket.getInputStream(), true);
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " failed", e);
        }
    }
}
