package org.pushgate.gateway.auth;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;
import java.util.regex.Pattern;

import org.pushgate.gateway.web.ErrorResponses;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;

/**
 * Guards every HTTP path but {@code /actuator/**} ({@code /ws} never reaches it: the WebSocket endpoint sits in
 * front of WebFlux): {@code /admin/**} needs the {@code admin} scope, everything else (the publish API) the
 * {@code publish} scope. A request presents {@code Authorization: Bearer <credential>}, either the API key
 * (gateway.api.key, compared in constant time; it grants both scopes) or a server JWT (gateway.api.jwt.*,
 * separate from client tokens) whose {@code scope} claim grants the scope. Missing or invalid credentials
 * get 401, a valid JWT without the scope 403. With neither a key nor a JWT configured, only loopback
 * clients are let in, so a gateway started with defaults is never an open relay.
 *
 * <p>The one exception under {@code /admin}: the admin page's own static files, a GET of exactly those paths
 * (a browser cannot put a header on a navigation). They carry no data; every call the page makes for data or
 * actions carries the credential and meets this filter like any other (docs/security.md, "The admin page").
 *
 * <p>On Centrifugo's server API ({@code /centrifugo/api} and below) the credential may also be given as Centrifugo's
 * SDKs send it: {@code X-API-Key: <key>} or {@code Authorization: apikey <key>} (judged like a Bearer credential,
 * with the {@code publish} scope), so that they work unchanged. Never in the URL (Centrifugo's {@code ?api_key=}).
 */
public final class ApiAccessFilter implements WebFilter {

    private static final Pattern REPEATED_SLASHES = Pattern.compile("/{2,}"); // compiled once, not per request

    /** Centrifugo's server API (package publish.centrifugo), where its credential spellings are accepted too. */
    private static final String CENTRIFUGO_API = "/centrifugo/api";
    private static final String API_KEY_HEADER = "X-API-Key";
    private static final String APIKEY_SCHEME = "apikey ";

    private final byte[] key;
    private final TokenVerifier serverTokens;
    private final Set<String> openFiles;

    /**
     * @param key the API key, or null/blank
     * @param serverTokens verifier of server JWTs, or null
     * @param openFiles exact decoded paths of static files without data that anyone may GET (the admin page's shell)
     */
    public ApiAccessFilter(String key, TokenVerifier serverTokens, Set<String> openFiles) {
        this.key = key == null || key.isBlank() ? null : key.getBytes(StandardCharsets.UTF_8);
        this.serverTokens = serverTokens;
        this.openFiles = Set.copyOf(openFiles);
    }

    public ApiAccessFilter(String key, TokenVerifier serverTokens) {
        this(key, serverTokens, Set.of());
    }

    public ApiAccessFilter(String key) {
        this(key, null);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = decodedPath(exchange);
        if (path.equals("/actuator") || path.startsWith("/actuator/")) {
            return chain.filter(exchange); // health and metrics stay open (bind management elsewhere to hide them)
        }
        if (openFiles.contains(path) && HttpMethod.GET.equals(exchange.getRequest().getMethod())) {
            return chain.filter(exchange); // a page's shell: exact paths, read only, no data (see the class comment)
        }
        // Everything else is guarded, judged on the decoded path the router matches, so no spelling of
        // /api or /admin (percent-encoding, doubled slashes) can slip past.
        String scope = path.startsWith("/admin") ? "admin" : "publish";
        if (key == null && serverTokens == null) {
            InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
            if (remote != null && remote.getAddress() != null && remote.getAddress().isLoopbackAddress()) {
                return chain.filter(exchange);
            }
            return deny(exchange.getResponse(), HttpStatus.FORBIDDEN, "forbidden",
                    "no gateway.api.key or gateway.api.jwt is configured, so only loopback clients may use this API");
        }
        boolean centrifugo = path.equals(CENTRIFUGO_API) || path.startsWith(CENTRIFUGO_API + "/");
        String credential = centrifugo ? centrifugoCredential(exchange.getRequest().getHeaders())
                : BearerToken.parse(exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION));
        if (credential == null) {
            return deny(exchange.getResponse(), HttpStatus.UNAUTHORIZED, "unauthorized", centrifugo
                    ? "missing X-API-Key: <key>, Authorization: apikey <key> or Authorization: Bearer <credential>"
                    : "missing Authorization: Bearer <credential>");
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

    /** Centrifugo's precedence: X-API-Key when present, then {@code Authorization: apikey}, then Bearer. */
    private static String centrifugoCredential(HttpHeaders headers) {
        String header = headers.getFirst(API_KEY_HEADER);
        if (header != null) {
            return header.isBlank() ? null : header.trim();
        }
        String authorization = headers.getFirst(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, APIKEY_SCHEME, 0, APIKEY_SCHEME.length())) {
            String key = authorization.substring(APIKEY_SCHEME.length()).trim();
            return key.isEmpty() ? null : key;
        }
        return BearerToken.parse(authorization);
    }

    private static String decodedPath(ServerWebExchange exchange) {
        StringBuilder path = new StringBuilder();
        for (PathContainer.Element element : exchange.getRequest().getPath().pathWithinApplication().elements()) {
            path.append(element instanceof PathContainer.PathSegment segment ? segment.valueToMatch() : element.value());
        }
        return REPEATED_SLASHES.matcher(path).replaceAll("/");
    }

    private static Mono<Void> deny(ServerHttpResponse response, HttpStatus status, String code, String message) {
        return ErrorResponses.write(response, status, code, message, 0);
    }
}
