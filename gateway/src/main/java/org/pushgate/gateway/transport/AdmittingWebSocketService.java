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
 * The upgrade path: admission first, then the handshake. A refused upgrade gets 503 with Retry-After
 * before any per-connection resource exists; an admitted one carries its admission ticket into the
 * connection pipeline, which returns it on release. If the handshake fails before the pipeline starts,
 * the ticket is returned here.
 */
final class AdmittingWebSocketService implements WebSocketService {

    private final WebSocketService handshake;
    private final Admission admission;
    private final ConnectionHandler connections;
    private final GatewayMetrics metrics;

    AdmittingWebSocketService(WebSocketService handshake, Admission admission, ConnectionHandler connections,
                              GatewayMetrics metrics) {
        this.handshake = handshake;
        this.admission = admission;
        this.connections = connections;
        this.metrics = metrics;
    }

    @Override
    public Mono<Void> handleRequest(ServerWebExchange exchange, WebSocketHandler ignored) {
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
        response.setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
        HttpHeaders headers = response.getHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, Integer.toString(rejection.retryAfterSeconds()));
        headers.setContentType(MediaType.APPLICATION_JSON);
        byte[] body = ("{\"error\":\"" + rejection.tag() + "\",\"message\":\"connection refused: "
                + rejection.tag().replace('_', ' ') + "; retry later\"}").getBytes(StandardCharsets.UTF_8);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }
}
