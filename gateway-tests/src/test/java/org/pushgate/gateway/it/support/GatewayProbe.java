package org.pushgate.gateway.it.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.connection.ConnectionRegistry;
import org.pushgate.gateway.edge.PendingHandshakes;
import org.pushgate.gateway.hub.Hub;
import org.springframework.context.ApplicationContext;

import tools.jackson.databind.JsonNode;

/**
 * What a test can observe of one running gateway: its port, its gauges (read from the beans and from
 * {@code /actuator/prometheus}), and its HTTP API. Holds the beans themselves, so it still answers after
 * its context was closed (the shutdown tests read the gauges of a stopped gateway).
 */
public final class GatewayProbe {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)})?\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final int port;
    private final ConnectionRegistry registry;
    private final Hub hub;
    private final Admission admission;
    private final PendingHandshakes handshakes;

    public GatewayProbe(int port, ConnectionRegistry registry, Hub hub, Admission admission) {
        this(port, registry, hub, admission, null);
    }

    /** @param handshakes the edge's pending handshakes (null: not watched) */
    public GatewayProbe(int port, ConnectionRegistry registry, Hub hub, Admission admission, PendingHandshakes handshakes) {
        this.port = port;
        this.registry = registry;
        this.hub = hub;
        this.admission = admission;
        this.handshakes = handshakes;
    }

    public static GatewayProbe of(ApplicationContext context) {
        String port = context.getEnvironment().getProperty("local.server.port");
        if (port == null) {
            throw new IllegalStateException("the gateway's context has no local.server.port: is it a web server?");
        }
        return new GatewayProbe(Integer.parseInt(port), context.getBean(ConnectionRegistry.class),
                context.getBean(Hub.class), context.getBean(Admission.class), context.getBean(PendingHandshakes.class));
    }

    public int port() {
        return port;
    }

    public ConnectionRegistry registry() {
        return registry;
    }

    public Hub hub() {
        return hub;
    }

    public Admission admission() {
        return admission;
    }

    /** {@code ws://127.0.0.1:port/ws?query} (query may be empty). */
    public URI ws(String query) {
        return URI.create("ws://127.0.0.1:" + port + wsPath(query));
    }

    public URI ws() {
        return ws("");
    }

    public static String wsPath(String query) {
        return query == null || query.isEmpty() ? "/ws" : "/ws?" + query;
    }

    // ---- gauges

    /** Everything a connection holds, as the gateway counts it; handshakes: sockets still in their first request. */
    public record Gauges(int connections, long subscriptions, int channels, int timers, int admitted, int handshakes) {
        public boolean idle() {
            return connections == 0 && subscriptions == 0 && channels == 0 && timers == 0 && admitted == 0
                    && handshakes == 0;
        }
    }

    public Gauges gauges() {
        return new Gauges(registry.size(), hub.subscriptionCount(), hub.channelCount(), registry.activeTimers(),
                admission.admitted(), handshakes != null ? handshakes.pending() : 0);
    }

    /** Waits until no connection, subscription, channel, timer, admission permit or pending handshake is left. */
    public void awaitIdle(Duration within) {
        Eventually.await(within, () -> "gateway idle, but " + gauges() + " channels=" + hub.channels(),
                () -> gauges().idle());
    }

    public void awaitConnections(int n, Duration within) {
        Eventually.await(within, () -> n + " connection(s), but " + gauges(), () -> registry.size() == n);
    }

    // ---- Prometheus

    /** The text of {@code /actuator/prometheus}. */
    public String scrape() {
        Response response = get("/actuator/prometheus");
        if (response.status() != 200) {
            throw new AssertionError("scrape failed: " + response);
        }
        return response.body();
    }

    /**
     * The value of the sample {@code name} whose labels include {@code labels} (pairs: key, value); 0 when the
     * gateway does not show that sample.
     */
    public double metric(String name, String... labels) {
        Map<String, String> wanted = new HashMap<>();
        for (int i = 0; i + 1 < labels.length; i += 2) {
            wanted.put(labels[i], labels[i + 1]);
        }
        double sum = 0;
        boolean found = false;
        for (String line : scrape().split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.find() || !sample.group(1).equals(name)) {
                continue;
            }
            Map<String, String> present = new HashMap<>();
            if (sample.group(3) != null) {
                Matcher label = LABEL.matcher(sample.group(3));
                while (label.find()) {
                    present.put(label.group(1), label.group(2));
                }
            }
            if (present.entrySet().containsAll(wanted.entrySet())) {
                sum += Double.parseDouble(sample.group(4));
                found = true;
            }
        }
        return found ? sum : 0;
    }

    public double disconnects(String reason) {
        return metric("gateway_disconnects_total", "reason", reason);
    }

    public double dropped(String reason) {
        return metric("gateway_messages_dropped_total", "reason", reason);
    }

    public double rejected(String reason) {
        return metric("gateway_connections_rejected_total", "reason", reason);
    }

    // ---- HTTP API

    /** An HTTP answer: status, headers of interest, body. */
    public record Response(int status, String body, HttpResponse<String> raw) {
        public JsonNode json() {
            return Json.parse(body);
        }

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    public Response publish(String channel, String dataJson) {
        return post("/api/publish", "{\"channel\":\"" + channel + "\",\"data\":" + dataJson + "}");
    }

    public Response post(String path, String body, String... headers) {
        return post(path, body.getBytes(StandardCharsets.UTF_8), headers);
    }

    public Response post(String path, byte[] body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.build());
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build());
    }

    private static Response send(HttpRequest request) {
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body(), response);
        } catch (IOException e) {
            throw new AssertionError(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
