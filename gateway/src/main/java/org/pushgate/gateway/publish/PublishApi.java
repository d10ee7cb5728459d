package org.pushgate.gateway.publish;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.protocol.ChannelNames;
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
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/publish} and {@code POST /api/broadcast}. A body is read whole up to
 * gateway.limits.max-publish-bytes, parsed and validated before anything is published: a bad request
 * publishes nothing. The message data is re-encoded compactly once and shared by every subscriber.
 */
public final class PublishApi {

    private final Broker broker;
    private final ChannelNames channelNames;
    private final int maxBodyBytes;
    private final int maxBroadcastChannels;
    private final JsonMapper mapper;

    public PublishApi(Broker broker, ChannelNames channelNames, int maxBodyBytes, int maxBroadcastChannels) {
        this.broker = broker;
        this.channelNames = channelNames;
        this.maxBodyBytes = maxBodyBytes;
        this.maxBroadcastChannels = maxBroadcastChannels;
        this.mapper = JsonMapper.builder(JsonFactory.builder()
                        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
                        .build())
                .build();
    }

    public Mono<ServerResponse> publish(ServerRequest request) {
        return body(request)
                .flatMap(root -> {
                    String channel = channel(root.get("channel"), "channel");
                    byte[] data = data(root);
                    return broker.publish(channel, data);
                })
                .flatMap(n -> ok(Map.of("subscribers", n)))
                .onErrorResume(RejectedRequest.class, RejectedRequest::respond);
    }

    public Mono<ServerResponse> broadcast(ServerRequest request) {
        return body(request)
                .flatMap(root -> {
                    List<String> channels = channels(root.get("channels"));
                    byte[] data = data(root);
                    return Flux.fromIterable(channels)
                            .concatMap(channel -> broker.publish(channel, data))
                            .reduce(0, Integer::sum)
                            .map(total -> Map.of("subscribers", total, "channels", channels.size()));
                })
                .flatMap(this::ok)
                .onErrorResume(RejectedRequest.class, RejectedRequest::respond);
    }

    private Mono<ServerResponse> ok(Map<String, Integer> body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }

    private Mono<JsonNode> body(ServerRequest request) {
        return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), maxBodyBytes)
                .onErrorMap(DataBufferLimitException.class, e -> new RejectedRequest(HttpStatus.BAD_REQUEST,
                        "body_too_large", "request body exceeds " + maxBodyBytes + " bytes"))
                .map(this::parse)
                .switchIfEmpty(Mono.error(() -> bad("empty_body", "request body is empty; send a JSON object")));
    }

    private JsonNode parse(DataBuffer buffer) {
        byte[] bytes = new byte[buffer.readableByteCount()];
        buffer.read(bytes);
        DataBufferUtils.release(buffer);
        JsonNode root;
        try {
            root = mapper.readTree(bytes);
        } catch (JacksonException e) {
            throw bad("bad_json", "request body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw bad("bad_request", "request body must be a JSON object");
        }
        return root;
    }

    private String channel(JsonNode node, String field) {
        if (node == null || !node.isString()) {
            throw bad("invalid_channel", "\"" + field + "\" must be a string");
        }
        String problem = channelNames.problem(node.stringValue());
        if (problem != null) {
            throw bad("invalid_channel", problem);
        }
        return node.stringValue();
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
        JsonNode data = root.get("data");
        if (data == null) {
            throw bad("missing_data", "\"data\" is required (any JSON value)");
        }
        return mapper.writeValueAsBytes(data);
    }

    private static RejectedRequest bad(String code, String message) {
        return new RejectedRequest(HttpStatus.BAD_REQUEST, code, message);
    }
}
