package org.pushgate.gateway.publish;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;

/**
 * Guards the backend APIs ({@code /api/**}, {@code /admin/**}). With gateway.api.key set, a request needs
 * {@code Authorization: Bearer <key>} (compared in constant time); without a key, only loopback clients
 * are let in, so a gateway started with defaults is never an open relay.
 */
public final class ApiAccessFilter implements WebFilter {

    private final byte[] key;

    /** @param key the API key, or null/blank for loopback-only access */
    public ApiAccessFilter(String key) {
        this.key = key == null || key.isBlank() ? null : key.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (!(path.startsWith("/api/") || path.startsWith("/admin/"))) {
            return chain.filter(exchange);
        }
        if (key == null) {
            InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
            if (remote != null && remote.getAddress() != null && remote.getAddress().isLoopbackAddress()) {
                return chain.filter(exchange);
            }
            return deny(exchange.getResponse(), HttpStatus.FORBIDDEN, "forbidden",
                    "no gateway.api.key is configured, so only loopback clients may use this API");
        }
        String header = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return deny(exchange.getResponse(), HttpStatus.UNAUTHORIZED, "unauthorized", "missing Authorization: Bearer <api key>");
        }
        byte[] presented = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(presented, key)) {
            return deny(exchange.getResponse(), HttpStatus.UNAUTHORIZED, "unauthorized", "invalid API key");
        }
        return chain.filter(exchange);
    }

    private static Mono<Void> deny(ServerHttpResponse response, HttpStatus status, String code, String message) {
        response.setStatusCode(status);
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        if (status == HttpStatus.UNAUTHORIZED) {
            response.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        byte[] body = ("{\"error\":\"" + code + "\",\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }
}
