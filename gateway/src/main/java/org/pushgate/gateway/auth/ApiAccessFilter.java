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
import org.springframework.http.server.reactive.ServerHttpRequest;
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
 * <p>The rules are {@link #decide}, the one implementation: this filter applies it to every request WebFlux serves,
 * and {@code publish.PublishEndpoint}, which serves {@code POST /api/publish} in front of WebFlux, to that path.
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

    // The answers that do not depend on the request, made once (a decision allocates nothing on these paths).
    private static final Verdict ALLOW = new Verdict(null, null, null);
    private static final Mono<Verdict> ALLOWED = Mono.just(ALLOW);
    private static final Mono<Verdict> LOOPBACK_ONLY = Mono.just(new Verdict(HttpStatus.FORBIDDEN, "forbidden",
            "no gateway.api.key or gateway.api.jwt is configured, so only loopback clients may use this API"));
    private static final Mono<Verdict> MISSING_CREDENTIAL = Mono.just(new Verdict(HttpStatus.UNAUTHORIZED, "unauthorized",
            "missing Authorization: Bearer <credential>"));
    private static final Mono<Verdict> MISSING_CENTRIFUGO_CREDENTIAL = Mono.just(new Verdict(HttpStatus.UNAUTHORIZED,
            "unauthorized", "missing X-API-Key: <key>, Authorization: apikey <key> or Authorization: Bearer <credential>"));
    private static final Mono<Verdict> INVALID_KEY = Mono.just(new Verdict(HttpStatus.UNAUTHORIZED, "unauthorized",
            "invalid API key"));
    private static final Mono<Verdict> INVALID_CREDENTIAL = Mono.just(new Verdict(HttpStatus.UNAUTHORIZED, "unauthorized",
            "invalid credential"));

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
        ServerHttpRequest request = exchange.getRequest();
        return decide(decodedPath(exchange), request.getMethod(), request.getHeaders(), request.getRemoteAddress())
                .flatMap(verdict -> verdict.allowed() ? chain.filter(exchange) : deny(exchange.getResponse(), verdict));
    }

    /**
     * The access decision, the one implementation of the rules above: this filter applies it to every request
     * WebFlux serves, and the publish endpoint in front of WebFlux ({@code POST /api/publish}) to its own.
     *
     * @param path the decoded path the router matches (percent-decoding applied, repeated slashes collapsed)
     * @param remote the client's address, or null when unknown (then it is not loopback)
     * @return {@link Verdict#allowed()} or the denial to answer; never empty
     */
    public Mono<Verdict> decide(String path, HttpMethod method, HttpHeaders headers, InetSocketAddress remote) {
        if (path.equals("/actuator") || path.startsWith("/actuator/")) {
            return ALLOWED; // health and metrics stay open (bind management elsewhere to hide them)
        }
        if (openFiles.contains(path) && HttpMethod.GET.equals(method)) {
            return ALLOWED; // a page's shell: exact paths, read only, no data (see the class comment)
        }
        // Everything else is guarded, judged on the decoded path the router matches, so no spelling of
        // /api or /admin (percent-encoding, doubled slashes) can slip past.
        String scope = path.startsWith("/admin") ? "admin" : "publish";
        if (key == null && serverTokens == null) {
            if (remote != null && remote.getAddress() != null && remote.getAddress().isLoopbackAddress()) {
                return ALLOWED;
            }
            return LOOPBACK_ONLY;
        }
        boolean centrifugo = path.equals(CENTRIFUGO_API) || path.startsWith(CENTRIFUGO_API + "/");
        String credential = centrifugo ? centrifugoCredential(headers)
                : BearerToken.parse(headers.getFirst(HttpHeaders.AUTHORIZATION));
        if (credential == null) {
            return centrifugo ? MISSING_CENTRIFUGO_CREDENTIAL : MISSING_CREDENTIAL;
        }
        if (key != null && MessageDigest.isEqual(credential.getBytes(StandardCharsets.UTF_8), key)) {
            return ALLOWED;
        }
        if (serverTokens == null) {
            return INVALID_KEY;
        }
        return serverTokens.verify(credential)
                .map(identity -> identity.scopes().contains(scope)
                        ? ALLOW
                        : new Verdict(HttpStatus.FORBIDDEN, "forbidden", "token lacks the '" + scope + "' scope"))
                .onErrorResume(TokenVerifier.InvalidTokenException.class, refused -> INVALID_CREDENTIAL);
    }

    /** The answer to a denial: the gateway's JSON error ({@link ErrorResponses}), written straight to the response. */
    public static Mono<Void> deny(ServerHttpResponse response, Verdict verdict) {
        return ErrorResponses.write(response, verdict.status(), verdict.code(), verdict.message(), 0);
    }

    /** What {@link #decide} concluded: let the request in, or deny it with this status, code and message. */
    public record Verdict(HttpStatus status, String code, String message) {

        /** @return true when the request may go on (then status, code and message are null) */
        public boolean allowed() {
            return status == null;
        }
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

}
