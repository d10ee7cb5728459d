package org.pushgate.gateway.publish;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import org.pushgate.gateway.auth.TokenVerifier;
import org.pushgate.gateway.web.ErrorResponses;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;

/**
 * Guards the backend APIs: {@code /api/**} needs the {@code publish} scope, {@code /admin/**} the
 * {@code admin} scope. A request presents {@code Authorization: Bearer <credential>}, either the API key
 * (gateway.api.key, compared in constant time; it grants both scopes) or a server JWT (gateway.api.jwt.*,
 * separate from client tokens) whose {@code scope} claim grants the scope. Missing or invalid credentials
 * get 401, a valid JWT without the scope 403. With neither a key nor a JWT configured, only loopback
 * clients are let in, so a gateway started with defaults is never an open relay.
 */
public final class ApiAccessFilter implements WebFilter {

    private final byte[] key;
    private final TokenVerifier serverTokens;

    /**
     * @param key the API key, or null/blank
     * @param serverTokens verifier of server JWTs, or null
     */
    public ApiAccessFilter(String key, TokenVerifier serverTokens) {
        this.key = key == null || key.isBlank() ? null : key.getBytes(StandardCharsets.UTF_8);
        this.serverTokens = serverTokens;
    }

    public ApiAccessFilter(String key) {
        this(key, null);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        String scope = path.startsWith("/api/") ? "publish" : path.startsWith("/admin/") ? "admin" : null;
        if (scope == null) {
            return chain.filter(exchange);
        }
        if (key == null && serverTokens == null) {
            InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
            if (remote != null && remote.getAddress() != null && remote.getAddress().isLoopbackAddress()) {
                return chain.filter(exchange);
            }
            return deny(exchange.getResponse(), HttpStatus.FORBIDDEN, "forbidden",
                    "no gateway.api.key or gateway.api.jwt is configured, so only loopback clients may use this API");
        }
        String credential = ErrorResponses.bearerToken(exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION));
        if (credential == null) {
            return deny(exchange.getResponse(), HttpStatus.UNAUTHORIZED, "unauthorized", "missing Authorization: Bearer <credential>");
        }
        if (key != null && MessageDigest.isEqual(credential.getBytes(StandardCharsets.UTF_8), key)) {
            return chain.filter(exchange);
        }
        if (serverTokens == null) {
            return deny(exchange.getResponse(), HttpStatus.UNAUTHORIZED, "unauthorized", "invalid API key");
        }
        return serverTokens.verify(credential)
                .flatMap(identity -> identity.scopes().contains(scope)
                        ? chain.filter(exchange)
                        : deny(exchange.getResponse(), HttpStatus.FORBIDDEN, "forbidden", "token lacks the '" + scope + "' scope"))
                .onErrorResume(TokenVerifier.InvalidTokenException.class,
                        refused -> deny(exchange.getResponse(), HttpStatus.UNAUTHORIZED, "unauthorized", "invalid credential"));
    }

    private static Mono<Void> deny(ServerHttpResponse response, HttpStatus status, String code, String message) {
        return ErrorResponses.write(response, status, code, message, 0);
    }
}
