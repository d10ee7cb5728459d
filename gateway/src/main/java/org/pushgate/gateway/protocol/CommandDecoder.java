package org.pushgate.gateway.protocol;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Decodes client text frames into {@link ClientCommand}s. Never throws: every malformed frame becomes an
 * {@link ClientCommand.Invalid} with a documented error code. Nesting depth and string sizes are bounded
 * by Jackson's read constraints so a hostile frame cannot make the parser work without limit.
 */
public final class CommandDecoder {

    static final int MAX_NESTING_DEPTH = 16;

    private final JsonMapper mapper;
    private final ChannelNames channelNames;
    private final int maxTokenBytes;

    public CommandDecoder(ChannelNames channelNames, int maxFrameBytes) {
        this(channelNames, maxFrameBytes, 8192);
    }

    public CommandDecoder(ChannelNames channelNames, int maxFrameBytes, int maxTokenBytes) {
        this.channelNames = channelNames;
        this.maxTokenBytes = maxTokenBytes;
        this.mapper = JsonMapper.builder(JsonFactory.builder()
                        .streamReadConstraints(StreamReadConstraints.builder()
                                .maxNestingDepth(MAX_NESTING_DEPTH)
                                .maxStringLength(maxFrameBytes)
                                .maxNumberLength(64)
                                .build())
                        .build())
                .build();
    }

    public ClientCommand decode(String text) {
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JacksonException e) {
            return new ClientCommand.Invalid(ErrorCode.BAD_JSON, "frame is not valid JSON", null);
        }
        if (root == null || !root.isObject()) {
            return new ClientCommand.Invalid(ErrorCode.BAD_FRAME, "frame must be a JSON object", null);
        }
        JsonNode id = root.get("id");
        if (id != null && !(id.isNumber() || id.isString())) {
            return new ClientCommand.Invalid(ErrorCode.BAD_FRAME, "id must be a number or a string", null);
        }
        JsonNode op = root.get("op");
        if (op == null || !op.isString()) {
            return new ClientCommand.Invalid(ErrorCode.BAD_FRAME, "frame needs a string field \"op\"", id);
        }
        return switch (op.stringValue()) {
            case "subscribe", "unsubscribe" -> channelCommand(op.stringValue(), root, id);
            case "connect", "refresh" -> tokenCommand(op.stringValue(), root, id);
            default -> new ClientCommand.Invalid(ErrorCode.UNKNOWN_OP, "unknown op", id);
        };
    }

    public boolean validChannel(String name) {
        return channelNames.valid(name);
    }

    /** A subscribe the client asked for outside a frame (e.g. a {@code ?channel=} query parameter). */
    public ClientCommand subscribeCommand(String channel) {
        String problem = channelNames.problem(channel);
        return problem == null ? new ClientCommand.Subscribe(channel, null)
                : new ClientCommand.Invalid(ErrorCode.INVALID_CHANNEL, problem, null);
    }

    private ClientCommand tokenCommand(String op, JsonNode root, JsonNode id) {
        JsonNode token = root.get("token");
        boolean required = op.equals("refresh");
        if (token == null || token.isNull()) {
            return required ? new ClientCommand.Invalid(ErrorCode.BAD_FRAME, "\"token\" is required", id)
                    : new ClientCommand.Connect(null, id);
        }
        if (!token.isString() || token.stringValue().isEmpty()) {
            return new ClientCommand.Invalid(ErrorCode.BAD_FRAME, "\"token\" must be a non-empty string", id);
        }
        if (token.stringValue().length() > maxTokenBytes) {
            return new ClientCommand.Invalid(ErrorCode.BAD_FRAME, "\"token\" is longer than " + maxTokenBytes + " characters", id);
        }
        return op.equals("connect") ? new ClientCommand.Connect(token.stringValue(), id)
                : new ClientCommand.Refresh(token.stringValue(), id);
    }

    private ClientCommand channelCommand(String op, JsonNode root, JsonNode id) {
        JsonNode channel = root.get("channel");
        if (channel == null || !channel.isString()) {
            return new ClientCommand.Invalid(ErrorCode.INVALID_CHANNEL, "\"channel\" must be a string", id);
        }
        String name = channel.stringValue();
        String problem = channelNames.problem(name);
        if (problem != null) {
            return new ClientCommand.Invalid(ErrorCode.INVALID_CHANNEL, problem, id);
        }
        return op.equals("subscribe") ? new ClientCommand.Subscribe(name, id) : new ClientCommand.Unsubscribe(name, id);
    }
}
