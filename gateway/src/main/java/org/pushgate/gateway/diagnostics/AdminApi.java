package org.pushgate.gateway.diagnostics;

import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.connection.Connection;
import org.pushgate.gateway.connection.ConnectionRegistry;
import org.pushgate.gateway.hub.Hub;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The admin view of live state: {@code GET /admin/connections}, {@code GET /admin/channels},
 * {@code POST /admin/sweep}, {@code POST /admin/audit}, {@code POST /admin/close}. Protected like the publish API.
 */
public final class AdminApi {

    private static final int MAX_PAGE = 10_000;

    private final ConnectionRegistry registry;
    private final Hub hub;
    private final Admission admission;
    private final ConnectionAuditor auditor;
    private final Duration defaultSweepTimeout;

    public AdminApi(ConnectionRegistry registry, Hub hub, Admission admission, ConnectionAuditor auditor,
                    Duration defaultSweepTimeout) {
        this.registry = registry;
        this.hub = hub;
        this.admission = admission;
        this.auditor = auditor;
        this.defaultSweepTimeout = defaultSweepTimeout;
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
                throw new org.springframework.web.server.ServerWebInputException("query parameter '" + name + "' must be an integer");
            }
        }).orElse(fallback);
    }
}
