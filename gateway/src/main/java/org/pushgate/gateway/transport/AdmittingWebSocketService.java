package org.pushgate.gateway.transport;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.connection.ConnectionHandler;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.server.ServerWebExchange;

import reactor.core.publisher.Mono;

/**
 * The upgrade path: origin check, admission, then the handshake. A refused upgrade gets 403 (foreign
 * origin), 429 (connection rate) or 503 with Retry-After (limits, shutdown)
 * before any per-connection resource exists; an admitted one carries its admission ticket into the
 * connection pipeline, which returns it on release. If the handshake fails before the pipeline starts,
 * the ticket is returned here.
 */
final class AdmittingWebSocketService implements WebSocketService {

    private final WebSocketService handshake;
    private final Admission admission;
    private final ConnectionHandler connections;
    private final GatewayMetrics metrics;

    private final java.util.Set<String> allowedOrigins;

    /** @param allowedOrigins empty: any origin (and requests without one) may upgrade */
    AdmittingWebSocketService(WebSocketService handshake, Admission admission, ConnectionHandler connections,
                              GatewayMetrics metrics, java.util.List<String> allowedOrigins) {
        this.allowedOrigins = java.util.Set.copyOf(allowedOrigins);
        this.handshake = handshake;
        this.admission = admission;
        this.connections = connections;
        this.metrics = metrics;
    }

    @Override
    public Mono<Void> handleRequest(ServerWebExchange exchange, WebSocketHandler ignored) {
        String origin = exchange.getRequest().getHeaders().getOrigin();
        if (origin != null && !allowedOrigins.isEmpty() && !allowedOrigins.contains(origin)) {
            // Cross-site WebSocket hijacking: a foreign page's upgrade is refused before anything is made.
            metrics.rejected(Admission.Rejection.FORBIDDEN_ORIGIN);
            return reject(exchange.getResponse(), Admission.Rejection.FORBIDDEN_ORIGIN);
        }
        Admission.Decision decision = admission.tryAdmit(address(exchange));
        if (!decision.admitted()) {
            metrics.rejected(decision.rejection());
            return reject(exchange.getResponse(), decision.rejection());
        }
        Admission.Ticket ticket = decision.ticket();
        boolean[] started = new boolean[1];
        return handshake.handleRequest(exchange, session -> {
                    started[0] = true;
                    return connections.handle(new WebSocketConnectionSocket(session), ticket::release);
                })
                .doFinally(signal -> {
                    if (!started[0]) {
                        ticket.release(); // the handshake failed: no pipeline will ever return it
                    }
                });
    }

    private static String address(ServerWebExchange exchange) {
        InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
        if (remote == null || remote.getAddress() == null) {
            return "unknown";
        }
        return remote.getAddress().getHostAddress();
    }

    private static Mono<Void> reject(ServerHttpResponse response, Admission.Rejection rejection) {
        response.setStatusCode(HttpStatus.valueOf(rejection.status()));
        HttpHeaders headers = response.getHeaders();
        if (rejection.retryAfterSeconds() > 0) {
            headers.set(HttpHeaders.RETRY_AFTER, Integer.toString(rejection.retryAfterSeconds()));
        }
        headers.setContentType(MediaType.APPLICATION_JSON);
        String advice = rejection.retryAfterSeconds() > 0 ? "; retry later" : "";
        byte[] body = ("{\"error\":\"" + rejection.tag() + "\",\"message\":\"connection refused: "
                + rejection.tag().replace('_', ' ') + advice + "\"}").getBytes(StandardCharsets.UTF_8);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }
}
