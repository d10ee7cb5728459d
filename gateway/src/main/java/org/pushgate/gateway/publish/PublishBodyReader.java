package org.pushgate.gateway.publish;

import java.io.ByteArrayOutputStream;

import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.protocol.CommandDecoder;
import org.pushgate.gateway.web.RejectedRequest;
import org.springframework.http.HttpStatus;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a request body of the publish API: whole JSON, at most 64 levels deep, validated before anything is
 * published. {@link #publish} reads {@code {"channel":"...","data":...}} in one streaming pass (no JSON tree: the
 * channel is read as a string and the data copied compactly straight from the parser); any body that is not a plain
 * JSON object with distinct names takes the tree path, which gives the same documented answers as before (bad_json,
 * bad_request) and the same data.
 * Public for the benchmarks in load/.
 */
public final class PublishBodyReader {

    /** A publish body that passed validation: a valid channel name and the data as compact JSON. */
    public record Publish(String channel, byte[] data) { }

    private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder().maxNestingDepth(64).build();

    private final ChannelNames channelNames;
    private final JsonMapper mapper;
    // The streaming pass refuses a repeated name in any object (and leaves the body to the tree path, where the last
    // one wins): copying the data as it comes would otherwise keep both where the tree kept one.
    private final JsonFactory streaming;

    public PublishBodyReader(ChannelNames channelNames) {
        this.channelNames = channelNames;
        this.mapper = CommandDecoder.withTreeReader(
                JsonMapper.builder(JsonFactory.builder().streamReadConstraints(LIMITS).build()).build());
        this.streaming = JsonFactory.builder().streamReadConstraints(LIMITS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    }

    JsonMapper mapper() {
        return mapper;
    }

    /** The body of {@code POST /api/publish}; throws {@link RejectedRequest} (400) with the code of its first problem. */
    public Publish publish(byte[] body) {
        String channel = null;
        boolean channelIsString = false;
        byte[] data = null;
        try (JsonParser parser = streaming.createParser(ObjectReadContext.empty(), body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return publish(tree(body)); // not an object, or not JSON: the tree path's answer
            }
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                token = parser.nextToken();
                if ("channel".equals(name)) {
                    channelIsString = token == JsonToken.VALUE_STRING;
                    channel = channelIsString ? parser.getString() : null;
                    parser.skipChildren();
                }
                else if ("data".equals(name)) {
                    data = copy(parser);
                }
                else {
                    parser.skipChildren();
                }
            }
            if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
                return publish(tree(body));
            }
        }
        catch (JacksonException invalid) {
            return publish(tree(body)); // bad JSON somewhere: the tree path says so
        }
        if (!channelIsString) {
            throw bad("invalid_channel", "\"channel\" must be a string");
        }
        channelName(channel);
        if (data == null) {
            throw missingData();
        }
        return new Publish(channel, data);
    }

    private Publish publish(JsonNode root) {
        String channel = channel(root.get("channel"), "channel");
        return new Publish(channel, data(root));
    }

    private byte[] copy(JsonParser parser) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        try (JsonGenerator generator = mapper.createGenerator(out)) {
            generator.copyCurrentStructure(parser);
        }
        return out.toByteArray();
    }

    /** The body as a JSON tree, which must be an object. */
    JsonNode tree(byte[] bytes) {
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

    String channel(JsonNode node, String field) {
        if (node == null || !node.isString()) {
            throw bad("invalid_channel", "\"" + field + "\" must be a string");
        }
        return channelName(node.stringValue());
    }

    String channelName(String name) {
        String problem = channelNames.problem(name);
        if (problem != null) {
            throw bad("invalid_channel", problem);
        }
        return name;
    }

    byte[] data(JsonNode root) {
        JsonNode data = root.get("data");
        if (data == null) {
            throw missingData();
        }
        return mapper.writeValueAsBytes(data);
    }

    private static RejectedRequest missingData() {
        return bad("missing_data", "\"data\" is required (any JSON value)");
    }

    static RejectedRequest bad(String code, String message) {
        return new RejectedRequest(HttpStatus.BAD_REQUEST, code, message);
    }
}
