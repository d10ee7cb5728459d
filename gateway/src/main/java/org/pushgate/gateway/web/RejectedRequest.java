package org.pushgate.gateway.web;

import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Mono;

/** Raised while reading a request that will not be served; carries the error answer to give. */
public final class RejectedRequest extends RuntimeException {

    private final HttpStatus status;
    private final String code;

    public RejectedRequest(HttpStatus status, String code, String message) {
        super(message, null, false, false); // an answer, not a failure: no stack trace to fill
        this.status = status;
        this.code = code;
    }

    /** The answer written straight to a response, byte for byte as {@link #respond} gives it. */
    public Mono<Void> write(ServerHttpResponse response) {
        return ErrorResponses.answer(response, status, code, getMessage(), 0);
    }

    /** The answer, as {@link ErrorResponses#respond} gives it. */
    public Mono<ServerResponse> respond() {
        return ErrorResponses.respond(status, code, getMessage());
    }
}
