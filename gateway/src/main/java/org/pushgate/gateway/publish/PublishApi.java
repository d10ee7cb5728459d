package org.pushgate.gateway.publish;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.broker.BrokerUnavailableException;
import org.pushgate.gateway.broker.Published;
import org.pushgate.gateway.broker.StreamMessage;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.web.ErrorResponses;
import org.pushgate.gateway.web.RejectedRequest;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/publish}, {@code POST /api/broadcast} and {@code GET /api/history}. A body is read whole up to
 * gateway.limits.max-publish-bytes, parsed and validated before anything is published: a bad request
 * publishes nothing. The message data is re-encoded compactly once and shared by every subscriber.
 */
final class PublishApi {

    private final Broker broker;
    private final int maxBodyBytes;
    private final int maxBroadcastChannels;
    private final int maxHistoryLimit;
    private final JsonMapper mapper;
    private final PublishBodyReader reader;

    PublishApi(Broker broker, ChannelNames channelNames, int maxBodyBytes, int maxBroadcastChannels, int maxHistoryLimit) {
        this.broker = broker;
        this.maxHistoryLimit = maxHistoryLimit;
        this.maxBodyBytes = maxBodyBytes;
        this.maxBroadcastChannels = maxBroadcastChannels;
        this.reader = new PublishBodyReader(channelNames);
        this.mapper = reader.mapper();
    }

    public Mono<ServerResponse> publish(ServerRequest request) {
        return bytes(request)
                .map(reader::publish)
                .flatMap(body -> broker.publish(body.channel(), body.data()))
                .flatMap(published -> ok(answer(published)))
                .onErrorResume(RejectedRequest.class, RejectedRequest::respond)
                .onErrorResume(BrokerUnavailableException.class, PublishApi::unavailable);
    }

    /** {@code {"subscribers":n,"offset":k,"epoch":"e"}}: the message's position in its channel's stream. */
    private static Map<String, Object> answer(Published published) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("subscribers", published.reached());
        body.put("offset", published.position().offset());
        body.put("epoch", published.position().epoch());
        return body;
    }

    /**
     * The broker did not answer in time: 503 with Retry-After. The publish may or may not have been applied
     * (docs/protocol.md: a publisher that retries may publish twice; subscribers can tell by the data, not by
     * the offset).
     */
    private static Mono<ServerResponse> unavailable(BrokerUnavailableException error) {
        return ErrorResponses.respond(HttpStatus.SERVICE_UNAVAILABLE, "broker_unavailable",
                "the broker did not answer in time; retry", 1);
    }

    /**
     * {@code GET /api/history?channel=c&since=<offset>&epoch=<e>&limit=n}: the messages after {@code since} that the
     * stream still holds, in order, and its current position. When {@code epoch} is given and the stream's differs,
     * the offset means nothing: no messages, {@code "epochChanged":true}.
     */
    public Mono<ServerResponse> history(ServerRequest request) {
        return Mono.defer(() -> {
                    String channel = channelName(request.queryParam("channel").orElseThrow(() ->
                            bad("invalid_channel", "query parameter 'channel' is required")));
                    long since = longParam(request, "since", 0);
                    int limit = (int) Math.min(longParam(request, "limit", Math.min(100, maxHistoryLimit)), maxHistoryLimit);
                    String epoch = request.queryParam("epoch").orElse(null);
                    return broker.history(channel, since, limit).map(history -> {
                        boolean epochChanged = epoch != null && !epoch.equals(history.top().epoch());
                        Map<String, Object> body = new LinkedHashMap<>();
                        body.put("channel", channel);
                        body.put("epoch", history.top().epoch());
                        body.put("offset", history.top().offset());
                        body.put("epochChanged", epochChanged);
                        body.put("complete", history.complete());
                        List<Map<String, Object>> messages = new ArrayList<>();
                        if (!epochChanged) {
                            for (StreamMessage message : history.messages()) {
                                Map<String, Object> row = new LinkedHashMap<>();
                                row.put("offset", message.offset());
                                row.put("data", mapper.readTree(message.data()));
                                messages.add(row);
                            }
                        }
                        body.put("messages", messages);
                        return body;
                    });
                })
                .flatMap(this::ok)
                .onErrorResume(RejectedRequest.class, RejectedRequest::respond)
                .onErrorResume(BrokerUnavailableException.class, PublishApi::unavailable);
    }

    private static long longParam(ServerRequest request, String name, long fallback) {
        String value = request.queryParam(name).orElse(null);
        if (value == null) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value);
            if (parsed < 0) {
                throw new NumberFormatException();
            }
            return parsed;
        }
        catch (NumberFormatException e) {
            throw bad("bad_request", "query parameter '" + name + "' must be a non-negative integer");
        }
    }

    public Mono<ServerResponse> broadcast(ServerRequest request) {
        return body(request)
                .flatMap(root -> {
                    List<String> channels = channels(root.get("channels"));
                    byte[] data = data(root);
                    Map<String, Object> positions = new LinkedHashMap<>();
                    return Flux.fromIterable(channels)
                            .concatMap(channel -> broker.publish(channel, data)
                                    .doOnNext(published -> positions.put(channel, Map.of(
                                            "offset", published.position().offset(),
                                            "epoch", published.position().epoch()))))
                            .reduce(0, (sum, published) -> sum + published.reached())
                            .map(total -> {
                                Map<String, Object> body = new LinkedHashMap<>();
                                body.put("subscribers", total);
                                body.put("channels", channels.size());
                                body.put("positions", positions);
                                return body;
                            });
                })
                .flatMap(this::ok)
                .onErrorResume(RejectedRequest.class, RejectedRequest::respond)
                .onErrorResume(BrokerUnavailableException.class, PublishApi::unavailable);
    }

    private Mono<ServerResponse> ok(Map<String, ?> body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }

    private Mono<JsonNode> body(ServerRequest request) {
        return bytes(request).map(reader::tree);
    }

    /** The whole body, at most maxBodyBytes; an empty one is refused. */
    private Mono<byte[]> bytes(ServerRequest request) {
        return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), maxBodyBytes)
                .onErrorMap(DataBufferLimitException.class, e -> new RejectedRequest(HttpStatus.BAD_REQUEST,
                        "body_too_large", "request body exceeds " + maxBodyBytes + " bytes"))
                .map(PublishApi::drain)
                .switchIfEmpty(Mono.error(() -> bad("empty_body", "request body is empty; send a JSON object")));
    }

    private static byte[] drain(DataBuffer buffer) {
        byte[] bytes = new byte[buffer.readableByteCount()];
        buffer.read(bytes);
        DataBufferUtils.release(buffer);
        return bytes;
    }

    private String channel(JsonNode node, String field) {
        return reader.channel(node, field);
    }

    private String channelName(String name) {
        return reader.channelName(name);
    }

    private List<String> channels(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw bad("invalid_channel", "\"channels\" must be a non-empty array of channel names");
        }
        if (node.size() > maxBroadcastChannels) {
            throw bad("too_many_channels", "at most " + maxBroadcastChannels + " channels per broadcast");
        }
        Set<String> unique = new LinkedHashSet<>();
        for (JsonNode element : node) {
            unique.add(channel(element, "channels[]"));
        }
        return new ArrayList<>(unique);
    }

    private byte[] data(JsonNode root) {
        return reader.data(root);
    }

    private static RejectedRequest bad(String code, String message) {
        return PublishBodyReader.bad(code, message);
    }
}
