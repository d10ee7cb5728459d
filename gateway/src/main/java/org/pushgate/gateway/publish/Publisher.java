package org.pushgate.gateway.publish;

import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.broker.History;
import org.pushgate.gateway.broker.Published;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.web.RejectedRequest;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The publish path that every dialect of the HTTP publish API shares (pushgate's {@code /api}, Centrifugo's
 * {@code /centrifugo/api}): the body read whole up to gateway.limits.max-publish-bytes, JSON parsed with a nesting
 * limit, channel names and data validated, data re-encoded compactly once, and the broker's publish and history
 * with their limits. A refusal is a {@link RejectedRequest} (400 and a pushgate code) raised before anything is
 * published; each dialect answers it, and the broker's {@code BrokerUnavailableException}, in its own shape.
 */
public final class Publisher {

    /** What a publisher is told to wait when the broker did not answer in time (503). */
    public static final int RETRY_AFTER_SECONDS = 1;

    private final Broker broker;
    private final int maxBodyBytes;
    private final int maxBroadcastChannels;
    private final int maxHistoryLimit;
    private final JsonMapper mapper;
    private final PublishBodyReader reader;

    public Publisher(Broker broker, ChannelNames channelNames, int maxBodyBytes, int maxBroadcastChannels, int maxHistoryLimit) {
        this.broker = broker;
        this.maxBodyBytes = maxBodyBytes;
        this.maxBroadcastChannels = maxBroadcastChannels;
        this.maxHistoryLimit = maxHistoryLimit;
        this.reader = new PublishBodyReader(channelNames);
        this.mapper = reader.mapper();
    }

    /** The request body, whole: {@code body_too_large} past the limit, {@code empty_body} when there is none. */
    public Mono<byte[]> body(ServerRequest request) {
        return body(request.body(BodyExtractors.toDataBuffers()));
    }

    /** The same of a request's body as it comes off the socket (the publish endpoint in front of WebFlux). */
    Mono<byte[]> body(Flux<DataBuffer> body) {
        return DataBufferUtils.join(body, maxBodyBytes)
                .onErrorMap(DataBufferLimitException.class, e -> new RejectedRequest(HttpStatus.BAD_REQUEST,
                        "body_too_large", "request body exceeds " + maxBodyBytes + " bytes"))
                .map(Publisher::bytes)
                .filter(bytes -> bytes.length > 0)
                .switchIfEmpty(Mono.error(() -> bad("empty_body", "request body is empty; send a JSON object")));
    }

    private static byte[] bytes(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return bytes;
        } finally {
            DataBufferUtils.release(buffer);
        }
    }

    /** The body as one JSON object: {@code bad_json} when it does not parse, {@code bad_request} when not an object. */
    public JsonNode object(byte[] body) {
        return reader.tree(body);
    }

    /**
     * A body of {@code POST /api/publish} ({@code {"channel":..,"data":..}}) read in one streaming pass, with the same
     * answers as {@link #object}, {@link #channel} and {@link #data} would give (PublishBodyReader).
     */
    public PublishBodyReader.Publish publishBody(byte[] body) {
        return reader.publish(body);
    }

    /** The mapper, with the nesting limit, for a dialect that reads more than one value from a body. */
    public JsonMapper json() {
        return mapper;
    }

    /** A channel name given as the JSON field {@code field}: {@code invalid_channel} unless a valid name. */
    public String channel(JsonNode node, String field) {
        return reader.channel(node, field);
    }

    public String channelName(String name) {
        return reader.channelName(name);
    }

    /** The {@code data} field, compact: {@code missing_data} when absent. */
    public byte[] data(JsonNode root) {
        return reader.data(root);
    }

    /** A JSON value as the compact bytes the broker stores and every subscriber shares. */
    public byte[] compact(JsonNode value) {
        return mapper.writeValueAsBytes(value);
    }

    /** Stored data (compact JSON bytes) as a tree, to embed in an answer. */
    public JsonNode tree(byte[] data) {
        return mapper.readTree(data);
    }

    /** Publishes validated data; may fail with {@code BrokerUnavailableException}. */
    public Mono<Published> publish(String channel, byte[] data) {
        return broker.publish(channel, data);
    }

    /**
     * The channel's stream after {@code since}: at most {@link #maxHistoryLimit()} messages whatever {@code limit}
     * asks (0 reads the position only); may fail with {@code BrokerUnavailableException}.
     */
    public Mono<History> history(String channel, long since, long limit) {
        return broker.history(channel, since, (int) Math.max(0, Math.min(limit, maxHistoryLimit)));
    }

    /** The largest request body read (gateway.limits.max-publish-bytes). */
    int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** The most messages one history read returns (gateway.history.max-recovered). */
    public int maxHistoryLimit() {
        return maxHistoryLimit;
    }

    /** The most channels one broadcast may name (gateway.limits.max-broadcast-channels). */
    public int maxBroadcastChannels() {
        return maxBroadcastChannels;
    }

    public static RejectedRequest bad(String code, String message) {
        return PublishBodyReader.bad(code, message);
    }
}
