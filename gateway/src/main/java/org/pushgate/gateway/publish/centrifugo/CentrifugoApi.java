package org.pushgate.gateway.publish.centrifugo;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.pushgate.gateway.broker.BrokerUnavailableException;
import org.pushgate.gateway.publish.Publisher;
import org.pushgate.gateway.web.RejectedRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Centrifugo's server HTTP API on {@code /centrifugo/api}, so that Centrifugo's server SDKs and scripts publish to
 * pushgate unchanged (pointed at {@code http://host:port/centrifugo/api}): {@code POST /centrifugo/api/<method>} with
 * the params as the body (Centrifugo v5+), and {@code POST /centrifugo/api} with
 * {@code {"method":..,"params":..}} commands, newline-separated (Centrifugo's older form). Replies are
 * {@code {"result":..}} or {@code {"error":{"code":..,"message":..}}} with HTTP 200, as Centrifugo's; a body that
 * cannot be read is 400, an unknown method 404, a broker that did not answer 503 with Retry-After. The mapping is
 * in docs/protocol.md, "Centrifugo-compatible server API".
 */
final class CentrifugoApi {

    /** Centrifugo's per-request switch to errors as HTTP statuses, {@code {"code":..,"message":..}} as the body. */
    private static final String ERROR_MODE = "X-Centrifugo-Error-Mode";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Publisher publisher;
    private final ServerCommands commands;

    CentrifugoApi(Publisher publisher, ServerCommands commands) {
        this.publisher = publisher;
        this.commands = commands;
    }

    /** {@code POST /centrifugo/api/<method>}: the body is the method's params. */
    Mono<ServerResponse> method(ServerRequest request) {
        String method = request.pathVariable("method");
        if (request.method() != HttpMethod.POST) {
            return notPost();
        }
        if (!ServerCommands.known(method)) {
            return answer(HttpStatus.NOT_FOUND, error(ServerApiError.notFound("no server API method '" + method + "'")));
        }
        boolean transportErrors = "transport".equals(request.headers().firstHeader(ERROR_MODE));
        return publisher.body(request)
                .map(publisher::object)
                .flatMap(params -> commands.execute(method, params)
                        .flatMap(result -> answer(HttpStatus.OK, NODES.objectNode().set("result", result)))
                        .onErrorResume(ServerApiError.class, refused -> transportErrors
                                ? answer(refused.httpStatus(), refused.json())
                                : answer(HttpStatus.OK, error(refused))))
                .onErrorResume(RejectedRequest.class, CentrifugoApi::unreadable)
                .onErrorResume(BrokerUnavailableException.class, CentrifugoApi::unavailable);
    }

    /**
     * {@code POST /centrifugo/api}: one or more {@code {"id":n,"method":"publish","params":{..}}} objects (separated by
     * whitespace, newlines in Centrifugo's SDKs), executed in order; one reply line per command, {@code id} echoed.
     * Every command is parsed before the first runs, so an unreadable body runs none; at most
     * gateway.limits.max-broadcast-channels commands per body.
     */
    Mono<ServerResponse> commands(ServerRequest request) {
        if (request.method() != HttpMethod.POST) {
            return notPost();
        }
        return publisher.body(request)
                .map(this::parseCommands)
                .flatMap(list -> Flux.fromIterable(list).concatMap(this::reply).collectList())
                .flatMap(replies -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(lines(replies)))
                .onErrorResume(RejectedRequest.class, CentrifugoApi::unreadable)
                .onErrorResume(BrokerUnavailableException.class, CentrifugoApi::unavailable);
    }

    private List<JsonNode> parseCommands(byte[] body) {
        List<JsonNode> list = new ArrayList<>();
        try (MappingIterator<JsonNode> values = publisher.json().readerFor(JsonNode.class).readValues(body)) {
            while (values.hasNextValue()) {
                JsonNode command = values.nextValue();
                if (!command.isObject()) {
                    throw Publisher.bad("bad_request", "each command must be a JSON object");
                }
                if (list.size() == publisher.maxBroadcastChannels()) {
                    throw Publisher.bad("too_many_commands", "at most " + publisher.maxBroadcastChannels() + " commands per request");
                }
                list.add(command);
            }
        } catch (JacksonException e) {
            throw Publisher.bad("bad_json", "request body is not valid JSON");
        }
        return list;
    }

    private Mono<ObjectNode> reply(JsonNode command) {
        ObjectNode reply = NODES.objectNode();
        JsonNode id = command.get("id");
        if (id != null && id.isIntegralNumber() && id.canConvertToLong() && id.longValue() > 0) {
            reply.put("id", id.longValue()); // Centrifugo omits an id of 0, as it omits every zero value
        }
        return Mono.defer(() -> commands.execute(methodName(command.get("method")), command.get("params")))
                .map(result -> reply.<ObjectNode>set("result", result))
                .onErrorResume(ServerApiError.class, refused -> Mono.just(reply.set("error", refused.json())));
    }

    /** Centrifugo's {@code method}: a name in any case, or its number. */
    private static String methodName(JsonNode method) {
        if (method != null && method.isString()) {
            return method.stringValue().toLowerCase(Locale.ROOT);
        }
        if (method == null || method.isNull()) {
            return "publish"; // Centrifugo's method 0, the default of an absent field
        }
        if (method.isIntegralNumber() && method.canConvertToInt() && method.intValue() >= 0
                && method.intValue() < ServerCommands.NUMBERED.size()
                && !ServerCommands.NUMBERED.get(method.intValue()).isEmpty()) {
            return ServerCommands.NUMBERED.get(method.intValue());
        }
        throw ServerApiError.notFound("no server API method " + method);
    }

    private byte[] lines(List<ObjectNode> replies) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ObjectNode reply : replies) {
            if (out.size() > 0) {
                out.write('\n');
            }
            out.writeBytes(publisher.json().writeValueAsBytes(reply));
        }
        return out.toByteArray();
    }

    private static ObjectNode error(ServerApiError refused) {
        return NODES.objectNode().set("error", refused.json());
    }

    private Mono<ServerResponse> answer(HttpStatus status, ObjectNode reply) {
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(publisher.json().writeValueAsBytes(reply));
    }

    /** A body that is too large, empty or not JSON: 400, as Centrifugo answers a body it cannot decode. */
    private static Mono<ServerResponse> unreadable(RejectedRequest refused) {
        return ServerResponse.status(HttpStatus.BAD_REQUEST).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(bytes(ServerApiError.badRequest(refused.getMessage())));
    }

    /** The broker did not answer in time: 503 with Retry-After, as on /api; an earlier command may have been applied. */
    private static Mono<ServerResponse> unavailable(BrokerUnavailableException error) {
        return ServerResponse.status(HttpStatus.SERVICE_UNAVAILABLE).contentType(MediaType.APPLICATION_JSON)
                .header(HttpHeaders.RETRY_AFTER, Integer.toString(Publisher.RETRY_AFTER_SECONDS))
                .bodyValue(bytes(ServerApiError.internal("the broker did not answer in time; retry")));
    }

    private static Mono<ServerResponse> notPost() {
        return ServerResponse.status(HttpStatus.METHOD_NOT_ALLOWED).contentType(MediaType.APPLICATION_JSON)
                .header(HttpHeaders.ALLOW, "POST")
                .bodyValue(bytes(ServerApiError.badRequest("the server API takes POST")));
    }

    private static byte[] bytes(ServerApiError refused) {
        return error(refused).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
