package org.pushgate.gateway.transport;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.auth.BearerToken;
import org.pushgate.gateway.connection.ConnectionPipeline;
import org.pushgate.gateway.connection.ConnectionSocket;
import org.pushgate.gateway.protocol.ClientProtocol;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.pushgate.gateway.web.ErrorResponses;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;

/**
 * The WebSocket endpoint {@code /ws} (or, with another client protocol, {@code /connection/websocket}), served straight on Reactor Netty in front of WebFlux (it decorates the
 * application's {@link HttpHandler}; every other path goes to WebFlux unchanged). An upgrade never creates a
 * WebFlux exchange, filter chain or request observation, which would otherwise live as long as the socket.
 *
 * <p>In order, before anything per-connection exists: the Origin check (403), admission (429/503 with
 * Retry-After), then the handshake. An admitted upgrade hands its admission ticket to the connection
 * pipeline, whose {@code Connection} owns it from then on; a handshake that fails or outlives its deadline
 * before the pipeline starts gives the ticket up here.
 */
final class WebSocketEndpoint implements HttpHandler {

    static final String PATH = "/ws";

    private final String path;
    private final ClientProtocol protocol;
    private final UnaryOperator<ConnectionSocket> adapt;
    private final HttpHandler next;
    private final Admission admission;
    private final ConnectionPipeline connections;
    private final GatewayMetrics metrics;
    private final Set<String> allowedOrigins;
    private final int maxFrameBytes;
    private final java.time.Duration handshakeTimeout;
    private final WebsocketServerSpec spec;

    /**
     * @param allowedOrigins empty: any origin (and requests without one) may upgrade
     * @param handshakeTimeout gateway.limits.handshake-timeout: the edge closes a socket whose upgrade is not
     *                         answered by then; the ticket's own deadline is the same, so that a ticket is never
     *                         kept for an upgrade the edge already gave up on
     */
    WebSocketEndpoint(HttpHandler next, Admission admission, ConnectionPipeline connections, GatewayMetrics metrics,
                      List<String> allowedOrigins, int maxFrameBytes, java.time.Duration handshakeTimeout) {
        this(PATH, null, UnaryOperator.identity(), next, admission, connections, metrics, allowedOrigins, maxFrameBytes,
                handshakeTimeout);
    }

    /**
     * @param protocol the client protocol spoken at this path; null for the gateway's own
     * @param adapt makes the connection's socket of the WebSocket (another protocol's encoding of the frames)
     */
    WebSocketEndpoint(String path, ClientProtocol protocol, UnaryOperator<ConnectionSocket> adapt, HttpHandler next,
                      Admission admission, ConnectionPipeline connections, GatewayMetrics metrics,
                      List<String> allowedOrigins, int maxFrameBytes, java.time.Duration handshakeTimeout) {
        this.path = path;
        this.protocol = protocol;
        this.adapt = adapt;
        this.next = next;
        this.admission = admission;
        this.connections = connections;
        this.metrics = metrics;
        this.allowedOrigins = Set.copyOf(allowedOrigins);
        this.maxFrameBytes = maxFrameBytes;
        this.handshakeTimeout = handshakeTimeout;
        this.spec = WebsocketServerSpec.builder()
                .maxFramePayloadLength(maxFrameBytes)
                .handlePing(false) // Reactor Netty answers pings itself
                .compress(false)
                .build();
    }

    @Override
    public Mono<Void> handle(ServerHttpRequest request, ServerHttpResponse response) {
        if (!path.equals(request.getPath().pathWithinApplication().value())) {
            return next.handle(request, response);
        }
        HttpServerRequest nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
        HttpServerResponse nativeResponse = ServerHttpResponseDecorator.getNativeResponse(response);
        String malformed = malformedUpgrade(request);
        if (malformed != null) {
            // Refused here, before admission: Reactor Netty's own refusal of such a handshake never completes
            // the upgrade, which would keep the admission slot forever.
            return ErrorResponses.write(response, HttpStatus.BAD_REQUEST, "bad_upgrade", malformed, 0);
        }
        String origin = request.getHeaders().getOrigin();
        if (origin != null && !allowedOrigins.isEmpty() && !allowedOrigins.contains(origin)) {
            // Cross-site WebSocket hijacking: a foreign page's upgrade is refused before anything is made.
            return reject(response, Admission.Rejection.FORBIDDEN_ORIGIN);
        }
        String address = NettyWebSocket.address(nativeRequest.remoteAddress());
        Admission.Decision decision = admission.tryAdmit(address);
        if (!decision.admitted()) {
            return reject(response, decision.rejection());
        }
        Admission.Ticket ticket = decision.ticket();
        java.util.Map<String, List<String>> query = new QueryStringDecoder(nativeRequest.uri()).parameters();
        List<String> channels = query.getOrDefault("channel", List.of());
        List<String> since = query.getOrDefault("since", List.of());
        String token = BearerToken.parse(request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION));
        // Whatever happens to the handshake, a ticket no pipeline took is returned: at the deadline, or when the
        // upgrade ends without one. giveUp() and the pipeline's start() race by compare-and-set on the ticket, so
        // exactly one of them wins: a pipeline that starts after the give-up drops its socket. The deadline is a
        // task on the socket's own event loop (this thread): arming and cancelling it wakes no other thread.
        ScheduledFuture<?> handshakeDeadline = ((Connection) nativeRequest).channel().eventLoop()
                .schedule(ticket::giveUp, handshakeTimeout.toNanos(), TimeUnit.NANOSECONDS);
        return nativeResponse.sendWebsocket((in, out) -> {
                    // Upgraded: from here the pipeline's start() decides the ticket, not the deadline.
                    handshakeDeadline.cancel(false);
                    // The handshake is done and what the connection needs was copied out above: drop the
                    // request and response headers Reactor Netty would otherwise keep for the socket's life.
                    nativeRequest.requestHeaders().clear();
                    nativeResponse.responseHeaders().clear();
                    ConnectionSocket socket = adapt.apply(new NettyWebSocket(in, out, ((Connection) in).channel(),
                            address, List.copyOf(channels), List.copyOf(since), token, maxFrameBytes));
                    return protocol == null ? connections.serve(socket, ticket) : connections.serve(socket, ticket, protocol);
                }, spec)
                .doFinally(signal -> {
                    handshakeDeadline.cancel(false);
                    ticket.giveUp(); // a no-op once a pipeline took the ticket
                });
    }

    /** @return why this is not a valid RFC 6455 upgrade request, or null when it is one */
    private static String malformedUpgrade(ServerHttpRequest request) {
        HttpHeaders headers = request.getHeaders();
        if (request.getMethod() != HttpMethod.GET) {
            return "a WebSocket upgrade must be a GET";
        }
        if (!"websocket".equalsIgnoreCase(headers.getUpgrade())) {
            return "this endpoint only accepts WebSocket upgrades (Upgrade: websocket)";
        }
        String connection = headers.getFirst(HttpHeaders.CONNECTION);
        if (connection == null || !connection.toLowerCase(java.util.Locale.ROOT).contains("upgrade")) {
            return "a WebSocket upgrade needs Connection: Upgrade";
        }
        String key = headers.getFirst("Sec-WebSocket-Key");
        if (key == null || key.isBlank()) {
            return "a WebSocket upgrade needs Sec-WebSocket-Key";
        }
        if (!"13".equals(headers.getFirst("Sec-WebSocket-Version"))) {
            return "only WebSocket version 13 is supported (Sec-WebSocket-Version: 13)";
        }
        return null;
    }

    private Mono<Void> reject(ServerHttpResponse response, Admission.Rejection rejection) {
        metrics.rejected(rejection);
        String advice = rejection.retryAfterSeconds() > 0 ? "; retry later" : "";
        return ErrorResponses.write(response, HttpStatus.valueOf(rejection.status()), rejection.tag(),
                "connection refused: " + rejection.tag().replace('_', ' ') + advice, rejection.retryAfterSeconds());
    }
}
