package org.pushgate.gateway.publish;

import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Mono;

/** The JSON error body of every API answer that is not a success: {@code {"error":"<code>","message":"..."}}. */
final class ApiError {

    private ApiError() {
    }

    static Mono<ServerResponse> respond(HttpStatus status, String code, String message) {
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("error", code, "message", message));
    }

    /** Raised while reading a request; carries the answer to give. */
    static final class Rejected extends RuntimeException {
        final HttpStatus status;
        final String code;

        Rejected(HttpStatus status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }

        Mono<ServerResponse> respond() {
            return ApiError.respond(status, code, getMessage());
        }
    }
}
