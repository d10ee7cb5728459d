package org.pushgate.gateway.transport.sse;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.auth.BearerToken;
import org.pushgate.gateway.auth.ClientAuth;
import org.pushgate.gateway.auth.TokenVerifier;
import org.pushgate.gateway.connection.ConnectionPipeline;
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

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.QueryStringDecoder;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The Server-Sent Events endpoint {@code GET /sse?channel=a&channel=b}, served straight on Reactor Netty in front of
 * WebFlux like {@code /ws} (a long-lived stream holds no WebFlux exchange or observation). In order, before anything
 * per-connection exists: the method and parameters (400), the Origin check (403), in jwt mode the token (401, so
 * that a browser's EventSource stops retrying with a token that cannot work), admission (429/503 with
 * Retry-After). Then the response starts ({@code text/event-stream}) and the stream is a connection like any
 * other: {@link ConnectionPipeline#serve} owns its ticket and everything it acquires from there on.
 *
 * <p>The token comes from {@code Authorization: Bearer} or, because a browser's EventSource cannot set headers,
 * from {@code ?token=}; the masked access log ({@link SseTransport}) never writes it.
 */
final class SseEndpoint implements HttpHandler {

    static final String PATH = "/sse";

    private final HttpHandler next;
    private final Admission admission;
    private final ConnectionPipeline connections;
    private final GatewayMetrics metrics;
    private final ClientAuth auth;
    private final Set<String> allowedOrigins;
    private final int maxChannels;

    SseEndpoint(HttpHandler next, Admission admission, ConnectionPipeline connections, GatewayMetrics metrics,
                ClientAuth auth, List<String> allowedOrigins, int maxChannels) {
        this.next = next;
        this.admission = admission;
        this.connections = connections;
        this.metrics = metrics;
        this.auth = auth;
        this.allowedOrigins = Set.copyOf(allowedOrigins);
        this.maxChannels = maxChannels;
    }

    @Override
    public Mono<Void> handle(ServerHttpRequest request, ServerHttpResponse response) {
        if (!PATH.equals(request.getPath().pathWithinApplication().value())) {
            return next.handle(request, response);
        }
        if (request.getMethod() != HttpMethod.GET) {
            return ErrorResponses.write(response, HttpStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                    "an event stream is a GET", 0);
        }
        HttpServerRequest nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
        Map<String, List<String>> query = new QueryStringDecoder(nativeRequest.uri()).parameters();
        List<String> channels = new ArrayList<>(new LinkedHashSet<>(query.getOrDefault("channel", List.of())));
        if (channels.size() > maxChannels) {
            return ErrorResponses.write(response, HttpStatus.BAD_REQUEST, "too_many_channels",
                    "at most " + maxChannels + " channels per stream", 0);
        }
        String origin = request.getHeaders().getOrigin();
        if (origin != null && !allowedOrigins.isEmpty() && !allowedOrigins.contains(origin)) {
            return reject(response, Admission.Rejection.FORBIDDEN_ORIGIN);
        }
        String token = BearerToken.parse(request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION));
        if (token == null) {
            token = first(query, "token");
        }
        String lastEventId = request.getHeaders().getFirst("Last-Event-ID");
        if (lastEventId == null) {
            lastEventId = first(query, "lastEventId"); // a new EventSource (say, with a fresh token) cannot set the header
        }
        SseEventId.Resume resume = SseEventId.resume(List.copyOf(channels), lastEventId);
        if (!auth.required()) {
            return open(request, response, nativeRequest, channels, resume, null);
        }
        if (token == null) {
            return ErrorResponses.write(response, HttpStatus.UNAUTHORIZED, "invalid_token",
                    "a token is required: ?token=<JWT> or Authorization: Bearer <JWT>", 0);
        }
        String verified = token;
        // Checked here too (the connection checks it again, as for any transport): a browser's EventSource that
        // reconnects with an expired token gets 401 and stops, instead of retrying a stream that ends at once.
        return auth.verifier().verify(verified)
                .then(Mono.defer(() -> open(request, response, nativeRequest, channels, resume, verified)))
                .onErrorResume(TokenVerifier.InvalidTokenException.class, refused -> ErrorResponses.write(response,
                        HttpStatus.UNAUTHORIZED, refused.expired() ? "token_expired" : "invalid_token",
                        refused.expired() ? "the token has expired" : "invalid token", 0));
    }

    private Mono<Void> open(ServerHttpRequest request, ServerHttpResponse response, HttpServerRequest nativeRequest,
                            List<String> channels, SseEventId.Resume resume, String token) {
        String address = address(nativeRequest.remoteAddress());
        Admission.Decision decision = admission.tryAdmit(address);
        if (!decision.admitted()) {
            return reject(response, decision.rejection());
        }
        Admission.Ticket ticket = decision.ticket();
        HttpServerResponse nativeResponse = ServerHttpResponseDecorator.getNativeResponse(response);
        nativeResponse.status(200)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/event-stream;charset=UTF-8")
                .header(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .header("X-Accel-Buffering", "no") // nginx: pass events on as they come
                // The stream's end ends the TCP connection: the browser's reconnect is a new one.
                .header(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        io.netty.channel.Channel channel = ((Connection) nativeRequest).channel();
        SseSocket socket = new SseSocket(channel, address, List.copyOf(channels), resume, token);
        // What the stream needs was copied out above: drop the request headers for the stream's life.
        nativeRequest.requestHeaders().clear();
        // Headers alone first (a body given with them would get a Content-Length), then the preamble raw, chunked.
        return nativeResponse.sendHeaders().then()
                .then(Mono.<Void>create(written -> channel.writeAndFlush(Unpooled.wrappedBuffer(SseStream.PREAMBLE))
                        .addListener(future -> {
                            if (future.isSuccess()) {
                                written.success();
                            } else {
                                written.error(future.cause());
                            }
                        })))
                .then(connections.serve(socket, ticket))
                // A ticket no pipeline took (the headers could not be written: the peer left) is returned here;
                // a no-op once the pipeline took it.
                .doFinally(signal -> ticket.giveUp());
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() || values.get(0).isEmpty() ? null : values.get(0);
    }

    private static String address(java.net.SocketAddress remote) {
        if (!(remote instanceof InetSocketAddress inet)) {
            return "unknown";
        }
        return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
    }

    private Mono<Void> reject(ServerHttpResponse response, Admission.Rejection rejection) {
        metrics.rejected(rejection);
        String advice = rejection.retryAfterSeconds() > 0 ? "; retry later" : "";
        return ErrorResponses.write(response, HttpStatus.valueOf(rejection.status()), rejection.tag(),
                "connection refused: " + rejection.tag().replace('_', ' ') + advice, rejection.retryAfterSeconds());
    }
}
