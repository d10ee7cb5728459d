package org.pushgate.gateway.publish.centrifugo;

import org.springframework.http.HttpStatus;

import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * An error of Centrifugo's server API, {@code {"code":107,"message":"bad request: ..."}}: the codes Centrifugo's
 * server SDKs know, with Centrifugo's message followed by what exactly was wrong. Raised while executing a command
 * and answered in the reply (HTTP 200, as Centrifugo does); the table is in docs/protocol.md.
 */
final class ServerApiError extends RuntimeException {

    static final int INTERNAL = 100;
    static final int NOT_FOUND = 104;
    static final int BAD_REQUEST = 107;
    static final int NOT_AVAILABLE = 108;
    static final int UNRECOVERABLE_POSITION = 112;

    private final int code;

    private ServerApiError(int code, String message) {
        super(message, null, false, false); // an answer, not a failure: no stack trace to fill
        this.code = code;
    }

    static ServerApiError internal(String detail) {
        return new ServerApiError(INTERNAL, "internal server error: " + detail);
    }

    static ServerApiError notFound(String detail) {
        return new ServerApiError(NOT_FOUND, "not found: " + detail);
    }

    static ServerApiError badRequest(String detail) {
        return new ServerApiError(BAD_REQUEST, "bad request: " + detail);
    }

    static ServerApiError notAvailable(String detail) {
        return new ServerApiError(NOT_AVAILABLE, "not available: " + detail);
    }

    static ServerApiError unrecoverablePosition(String detail) {
        return new ServerApiError(UNRECOVERABLE_POSITION, "unrecoverable position: " + detail);
    }

    int code() {
        return code;
    }

    /** The status of this error in Centrifugo's transport error mode (its {@code MapErrorToHTTPCode}). */
    HttpStatus httpStatus() {
        return switch (code) {
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case BAD_REQUEST, NOT_AVAILABLE -> HttpStatus.BAD_REQUEST;
            case UNRECOVERABLE_POSITION -> HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE;
            default -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
    }

    /** {@code {"code":..,"message":..}}. */
    ObjectNode json() {
        return JsonNodeFactory.instance.objectNode().put("code", code).put("message", getMessage());
    }
}
