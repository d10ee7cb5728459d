package org.pushgate.gateway.web;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's one JSON error answer, {@code {"error":"<code>","message":"..."}}, with its headers
 * ({@code Retry-After} when given, {@code WWW-Authenticate: Bearer} on 401). Filters and the WebSocket endpoint,
 * which answer before any handler runs, {@link #write} it straight to the response; the HTTP APIs
 * {@link #respond} with it, and {@code POST /api/publish}, served in front of WebFlux, {@link #answer}s with exactly
 * what {@link #respond} would give. Jackson encodes the body, so any message makes valid JSON.
 */
public final class ErrorResponses {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ErrorResponses() {
    }

    /** @param retryAfterSeconds 0 for no Retry-After header */
    public static Mono<Void> write(ServerHttpResponse response, HttpStatus status, String code, String message,
                                   int retryAfterSeconds) {
        response.setStatusCode(status);
        headers(response.getHeaders(), status, retryAfterSeconds);
        byte[] body = body(code, message);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }

    /**
     * The same answer as {@link #respond}, headers included (a Content-Length, as the functional endpoint's writer
     * sets it), written straight to the response: for an endpoint served in front of WebFlux that must answer as
     * the WebFlux route it stands for.
     *
     * @param retryAfterSeconds 0 for no Retry-After header
     */
    public static Mono<Void> answer(ServerHttpResponse response, HttpStatus status, String code, String message,
                                    int retryAfterSeconds) {
        response.setStatusCode(status);
        headers(response.getHeaders(), status, retryAfterSeconds);
        byte[] body = body(code, message);
        response.getHeaders().setContentLength(body.length);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }

    /** The same answer as a functional endpoint's response. */
    public static Mono<ServerResponse> respond(HttpStatus status, String code, String message) {
        return respond(status, code, message, 0);
    }

    /** @param retryAfterSeconds 0 for no Retry-After header */
    public static Mono<ServerResponse> respond(HttpStatus status, String code, String message, int retryAfterSeconds) {
        return ServerResponse.status(status)
                .headers(headers -> headers(headers, status, retryAfterSeconds))
                .bodyValue(body(code, message)); // byte[]: written as is, never re-encoded
    }

    /** The body's bytes; an ObjectNode keeps {@code error} before {@code message}. */
    public static byte[] body(String code, String message) {
        return JSON.writeValueAsBytes(JSON.createObjectNode().put("error", code).put("message", message));
    }

    /** The answer's headers but its length, in the order every way of answering sets them. */
    public static void headers(HttpHeaders headers, HttpStatus status, int retryAfterSeconds) {
        headers.setContentType(MediaType.APPLICATION_JSON);
        if (retryAfterSeconds > 0) {
            headers.set(HttpHeaders.RETRY_AFTER, Integer.toString(retryAfterSeconds));
        }
        if (status == HttpStatus.UNAUTHORIZED) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
    }
}
