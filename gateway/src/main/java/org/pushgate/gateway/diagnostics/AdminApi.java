package org.pushgate.gateway.diagnostics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.connection.Connection;
import org.pushgate.gateway.connection.ConnectionRegistry;
import org.pushgate.gateway.hub.Hub;
import org.pushgate.gateway.metrics.GatewayMeter;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.pushgate.gateway.web.ErrorResponses;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The admin view of live state: {@code GET /admin/connections}, {@code GET /admin/channels},
 * {@code GET /admin/stats}, {@code POST /admin/sweep}, {@code POST /admin/audit}, {@code POST /admin/close}.
 * Protected like the publish API.
 */
public final class AdminApi {

    private static final int MAX_PAGE = 10_000;
    /** Most channels {@code /admin/stats} lists: its answer stays small however many channels there are. */
    static final int MAX_TOP = 100;

    private final ConnectionRegistry registry;
    private final Hub hub;
    private final Admission admission;
    private final ConnectionAuditor auditor;
    private final Duration defaultSweepTimeout;
    private final GatewayMetrics metrics;

    public AdminApi(ConnectionRegistry registry, Hub hub, Admission admission, ConnectionAuditor auditor,
                    Duration defaultSweepTimeout, GatewayMetrics metrics) {
        this.registry = registry;
        this.hub = hub;
        this.admission = admission;
        this.auditor = auditor;
        this.defaultSweepTimeout = defaultSweepTimeout;
        this.metrics = metrics;
    }

    public Mono<ServerResponse> connections(ServerRequest request) {
        int limit = intParam(request, "limit", 1000, 0, MAX_PAGE);
        int offset = intParam(request, "offset", 0, 0, Integer.MAX_VALUE);
        long now = System.currentTimeMillis();
        List<Connection> all = registry.snapshot();
        all.sort(Comparator.comparingLong(Connection::id));
        List<Map<String, Object>> page = all.stream().skip(offset).limit(limit).map(c -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", c.id());
            row.put("remoteAddress", c.remoteAddress());
            row.put("ageMillis", now - c.openedAtMillis());
            row.put("subscriptions", c.channels());
            row.put("bufferDepth", c.bufferDepth());
            row.put("lastInboundMillisAgo", now - c.lastInboundMillis());
            return row;
        }).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("totals", totals(all.size()));
        body.put("offset", offset);
        body.put("connections", page);
        return json(body);
    }

    public Mono<ServerResponse> channels(ServerRequest request) {
        int limit = intParam(request, "limit", 1000, 0, MAX_PAGE);
        Map<String, Integer> channels = hub.channels();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("totals", totals(registry.size()));
        body.put("channels", channels.entrySet().stream().limit(limit)
                .map(e -> Map.of("channel", e.getKey(), "subscribers", e.getValue())).toList());
        return json(body);
    }

    /**
     * The admin page's figures in one small answer: the gauges and counters as the meters show them (read through
     * {@link GatewayMetrics#read}, no bookkeeping of its own; counters are totals since the start, a reader takes
     * rates from two answers and their {@code time}), and the {@code top} (default 10, at most 100) channels with
     * the most local subscribers.
     */
    public Mono<ServerResponse> stats(ServerRequest request) {
        int top;
        try {
            top = Math.max(0, Math.min(MAX_TOP, Integer.parseInt(request.queryParam("top").orElse("10"))));
        } catch (NumberFormatException e) {
            return ErrorResponses.respond(HttpStatus.BAD_REQUEST, "bad_request", "query parameter 'top' must be an integer");
        }
        // The top channels come from a pass over every channel: like the audit, never on the HTTP event loop.
        return Mono.fromCallable(() -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("time", System.currentTimeMillis());
            body.put("connections", (long) metrics.value(GatewayMeter.CONNECTIONS_ACTIVE));
            body.put("connectionLimit", (long) metrics.value(GatewayMeter.CONNECTION_LIMIT));
            body.put("subscriptions", (long) metrics.value(GatewayMeter.SUBSCRIPTIONS_ACTIVE));
            body.put("channels", (long) metrics.value(GatewayMeter.CHANNELS_ACTIVE));
            body.put("published", (long) metrics.value(GatewayMeter.MESSAGES_PUBLISHED));
            body.put("delivered", (long) metrics.value(GatewayMeter.MESSAGES_DELIVERED));
            body.put("dropped", counts(GatewayMeter.MESSAGES_DROPPED));
            body.put("disconnects", counts(GatewayMeter.DISCONNECTS));
            body.put("orphansReclaimed", counts(GatewayMeter.ORPHANS_RECLAIMED));
            body.put("topChannels", topChannels(top));
            return body;
        }).subscribeOn(Schedulers.boundedElastic())
                .flatMap(body -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .header("Cache-Control", "no-store") // live figures behind a credential: never cached
                        .bodyValue(body));
    }

    private Map<String, Long> counts(GatewayMeter meter) {
        Map<String, Long> counts = new LinkedHashMap<>();
        metrics.read(meter).forEach((tag, count) -> counts.put(tag, count.longValue()));
        return counts;
    }

    /** The {@code n} channels with the most subscribers, most first (ties by name), through a heap of n entries, no copy of the channels. */
    private List<Map<String, Object>> topChannels(int n) {
        Comparator<Map.Entry<String, Integer>> order = Map.Entry.<String, Integer>comparingByValue()
                .thenComparing(Map.Entry.comparingByKey(Comparator.reverseOrder()));
        PriorityQueue<Map.Entry<String, Integer>> smallestFirst = new PriorityQueue<>(Math.max(1, n + 1), order);
        if (n > 0) {
            hub.forEachChannel((channel, subscribers) -> {
                Map.Entry<String, Integer> entry = Map.entry(channel, subscribers);
                if (smallestFirst.size() < n) {
                    smallestFirst.add(entry);
                }
                else if (order.compare(entry, smallestFirst.peek()) > 0) {
                    smallestFirst.poll(); // only a channel that enters the top n costs an entry kept
                    smallestFirst.add(entry);
                }
            });
        }
        List<Map.Entry<String, Integer>> biggest = new ArrayList<>(smallestFirst);
        biggest.sort(order.reversed());
        return biggest.stream().<Map<String, Object>>map(e -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("channel", e.getKey());
            row.put("subscribers", e.getValue());
            return row;
        }).toList();
    }

    public Mono<ServerResponse> sweep(ServerRequest request) {
        Duration timeout = Duration.ofMillis(intParam(request, "timeoutMillis", (int) defaultSweepTimeout.toMillis(), 1, 60_000));
        return auditor.sweep(timeout).flatMap(report -> json(Map.of("probed", report.probed(), "closed", report.closed(),
                "timeoutMillis", timeout.toMillis())));
    }

    /**
     * Closes connections as an operator (4002 {@code closed by server}): {@code ?connection=<id>} one, without it
     * every one. Each is only asked to close; its own pipeline then releases it.
     */
    public Mono<ServerResponse> close(ServerRequest request) {
        String id = request.queryParam("connection").orElse(null);
        if (id == null) {
            return json(Map.of("closed", registry.closeAll(org.pushgate.gateway.connection.CloseReason.SERVER_CLOSE)));
        }
        org.pushgate.gateway.connection.Connection connection;
        try {
            connection = registry.get(Long.parseLong(id));
        } catch (NumberFormatException e) {
            connection = null;
        }
        boolean closed = connection != null && connection.close(org.pushgate.gateway.connection.CloseReason.SERVER_CLOSE);
        return json(Map.of("closed", closed ? 1 : 0));
    }

    public Mono<ServerResponse> audit(ServerRequest request) {
        // A full pass over the hub and the registry, serialized with the periodic one: never on the HTTP event loop.
        return Mono.fromCallable(auditor::audit).subscribeOn(Schedulers.boundedElastic()).flatMap(this::json);
    }

    private Map<String, Object> totals(int connections) {
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("connections", connections);
        totals.put("subscriptions", hub.subscriptionCount());
        totals.put("channels", hub.channelCount());
        totals.put("connectionLimit", admission.maxConnections());
        totals.put("admitted", admission.admitted());
        return totals;
    }

    private Mono<ServerResponse> json(Object body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }

    private static int intParam(ServerRequest request, String name, int fallback, int min, int max) {
        return request.queryParam(name).map(value -> {
            try {
                return Math.max(min, Math.min(max, Integer.parseInt(value)));
            } catch (NumberFormatException e) {
                throw new org.pushgate.gateway.web.RejectedRequest(HttpStatus.BAD_REQUEST, "bad_request",
                        "query parameter '" + name + "' must be an integer");
            }
        }).orElse(fallback);
    }
}
