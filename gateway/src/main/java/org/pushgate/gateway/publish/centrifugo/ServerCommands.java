package org.pushgate.gateway.publish.centrifugo;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

import org.pushgate.gateway.broker.HistoryPolicy;
import org.pushgate.gateway.broker.Published;
import org.pushgate.gateway.broker.StreamMessage;
import org.pushgate.gateway.publish.Publisher;
import org.pushgate.gateway.web.RejectedRequest;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The commands of Centrifugo's server API that pushgate executes ({@code publish}, {@code broadcast},
 * {@code history}), from their JSON params to their JSON result, over the shared {@link Publisher}: the same
 * validation, limits and broker as {@code /api}. Everything is validated before anything is published. A command
 * fails with {@link ServerApiError} (answered in the reply) or the broker's {@code BrokerUnavailableException}
 * (answered 503 by the caller).
 */
final class ServerCommands {

    /**
     * Centrifugo's server API methods by number (its {@code Command.MethodType}; 13 is unused), which the older form
     * may name by number. Those not served here are known (108), unlike names Centrifugo lacks too (104).
     */
    static final List<String> NUMBERED = List.of("publish", "broadcast", "unsubscribe", "disconnect", "presence",
            "presence_stats", "history", "history_remove", "channels", "info", "rpc", "subscribe", "refresh", "",
            "connections", "update_user_status", "get_user_status", "delete_user_status", "block_user", "unblock_user",
            "revoke_token", "invalidate_user_tokens", "device_register", "device_update", "device_remove", "device_list",
            "device_topic_list", "device_topic_update", "user_topic_list", "user_topic_update", "send_push_notification",
            "update_push_status", "cancel_push", "map_publish", "map_remove", "map_read_state", "map_read_stream",
            "map_stats", "map_clear", "shared_poll_publish");

    private static final Set<String> SERVED = Set.of("publish", "broadcast", "history");

    /**
     * Publish options of Centrifugo that pushgate cannot honour: set to anything but their default they are
     * refused (108), never silently dropped, because each changes what subscribers get or what a retry does.
     */
    private static final List<String> UNSUPPORTED_OPTIONS = List.of("skip_history", "tags", "idempotency_key", "delta",
            "version", "version_epoch");

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Publisher publisher;
    private final HistoryPolicy historyPolicy;

    ServerCommands(Publisher publisher, HistoryPolicy historyPolicy) {
        this.publisher = publisher;
        this.historyPolicy = historyPolicy;
    }

    /** Whether {@code method} is a method name this API knows at all (served or answered 108). */
    static boolean known(String method) {
        return method.equals("batch") || !method.isEmpty() && NUMBERED.contains(method); // batch has a path, no number
    }

    /** Executes one command: its result object, or a {@link ServerApiError}. */
    Mono<ObjectNode> execute(String method, JsonNode params) {
        return Mono.defer(() -> {
                    if (!known(method)) {
                        throw ServerApiError.notFound("no server API method '" + method + "'");
                    }
                    if (!SERVED.contains(method)) {
                        throw ServerApiError.notAvailable("pushgate serves publish, broadcast and history only");
                    }
                    if (params == null || !params.isObject()) {
                        throw ServerApiError.badRequest("the params must be a JSON object");
                    }
                    return switch (method) {
                        case "publish" -> publish(params);
                        case "broadcast" -> broadcast(params);
                        default -> history(params);
                    };
                })
                .onErrorMap(RejectedRequest.class, refused -> ServerApiError.badRequest(refused.getMessage()));
    }

    private Mono<ObjectNode> publish(JsonNode params) {
        String channel = publisher.channel(params.get("channel"), "channel");
        byte[] data = data(params);
        return publisher.publish(channel, data).map(ServerCommands::position);
    }

    private Mono<ObjectNode> broadcast(JsonNode params) {
        JsonNode list = params.get("channels");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw ServerApiError.badRequest("\"channels\" must be a non-empty array of channel names");
        }
        if (list.size() > publisher.maxBroadcastChannels()) {
            throw ServerApiError.badRequest("at most " + publisher.maxBroadcastChannels() + " channels per broadcast");
        }
        List<String> channels = new ArrayList<>(list.size());
        for (JsonNode element : list) {
            channels.add(publisher.channel(element, "channels[" + channels.size() + "]"));
        }
        byte[] data = data(params);
        // One response per channel, in the request's order, a repeated channel published again: as Centrifugo does.
        return Flux.fromIterable(channels)
                .concatMap(channel -> publisher.publish(channel, data))
                .map(published -> NODES.objectNode().set("result", position(published)))
                .collect(NODES::arrayNode, ArrayNode::add)
                .map(responses -> NODES.objectNode().set("responses", responses));
    }

    private Mono<ObjectNode> history(JsonNode params) {
        String channel = publisher.channel(params.get("channel"), "channel");
        if (historyPolicy.sizeOf(channel) <= 0) {
            throw ServerApiError.notAvailable("history is off for this channel (gateway.history.size)");
        }
        long limit = integer(params.get("limit"), "limit", 0, Long.MIN_VALUE);
        int bounded = (int) (limit < 0 ? publisher.maxHistoryLimit() : Math.min(limit, publisher.maxHistoryLimit()));
        HistoryQuery.Since since = since(params.get("since"));
        boolean reverse = bool(params.get("reverse"), "reverse");
        return new HistoryQuery(channel, bounded, since, reverse).read(publisher).map(page -> {
            ArrayNode publications = NODES.arrayNode();
            for (StreamMessage message : page.publications()) {
                publications.add(NODES.objectNode().<ObjectNode>set("data", publisher.tree(message.data()))
                        .put("offset", message.offset()));
            }
            ObjectNode result = NODES.objectNode();
            result.set("publications", publications);
            return result.put("epoch", page.top().epoch()).put("offset", page.top().offset());
        });
    }

    private static ObjectNode position(Published published) {
        return NODES.objectNode().put("offset", published.position().offset()).put("epoch", published.position().epoch());
    }

    /** {@code b64data} (base64 of a JSON value; it wins, as in Centrifugo) or {@code data}; then the options check. */
    private byte[] data(JsonNode params) {
        for (String option : UNSUPPORTED_OPTIONS) {
            if (set(params.get(option))) {
                throw ServerApiError.notAvailable("\"" + option + "\" is not supported by pushgate");
            }
        }
        JsonNode b64 = params.get("b64data");
        if (set(b64)) {
            if (!b64.isString()) {
                throw ServerApiError.badRequest("\"b64data\" must be a base64 string");
            }
            byte[] decoded;
            try {
                decoded = Base64.getDecoder().decode(b64.stringValue());
            } catch (IllegalArgumentException e) {
                throw ServerApiError.badRequest("\"b64data\" is not valid base64");
            }
            JsonNode value;
            try {
                value = publisher.json().readTree(decoded);
            } catch (JacksonException e) {
                value = null;
            }
            if (value == null || value.isMissingNode()) {
                throw ServerApiError.badRequest("\"b64data\" must hold a JSON value: pushgate carries JSON data only");
            }
            return publisher.compact(value);
        }
        if (params.get("data") == null) {
            throw ServerApiError.badRequest("\"data\" (any JSON value) or \"b64data\" is required");
        }
        return publisher.data(params);
    }

    private static HistoryQuery.Since since(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw ServerApiError.badRequest("\"since\" must be an object {\"offset\":..,\"epoch\":..}");
        }
        long offset = integer(node.get("offset"), "since.offset", 0, 0);
        JsonNode epoch = node.get("epoch");
        if (epoch != null && !epoch.isNull() && !epoch.isString()) {
            throw ServerApiError.badRequest("\"since.epoch\" must be a string");
        }
        return new HistoryQuery.Since(offset, epoch == null || epoch.isNull() ? "" : epoch.stringValue());
    }

    private static long integer(JsonNode node, String field, long absent, long min) {
        if (node == null || node.isNull()) {
            return absent;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < min) {
            throw ServerApiError.badRequest("\"" + field + "\" must be an integer" + (min == 0 ? " >= 0" : ""));
        }
        return node.longValue();
    }

    private static boolean bool(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw ServerApiError.badRequest("\"" + field + "\" must be true or false");
        }
        return node.booleanValue();
    }

    /** Whether an option has a value other than its default (absent, null, false, 0, "", {} or []). */
    private static boolean set(JsonNode node) {
        if (node == null || node.isNull()) {
            return false;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isNumber()) {
            return node.doubleValue() != 0;
        }
        if (node.isString()) {
            return !node.stringValue().isEmpty();
        }
        return !node.isContainer() || !node.isEmpty();
    }
}
