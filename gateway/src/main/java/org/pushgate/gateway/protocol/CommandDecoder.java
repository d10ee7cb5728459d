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
    /** The longest epoch a client may name. */
    public static final int MAX_EPOCH_LENGTH = 64;

    private final JsonMapper mapper;
    private final ChannelNames channelNames;
    private final int maxTokenBytes;

    public CommandDecoder(ChannelNames channelNames, int maxFrameBytes, int maxTokenBytes) {
        this.channelNames = channelNames;
        this.maxTokenBytes = maxTokenBytes;
        this.mapper = boundedMapper(maxFrameBytes);
    }

    /** A JSON reader for client input, every client protocol's: nesting, string and number sizes bounded. */
    public static JsonMapper boundedMapper(int maxFrameBytes) {
        JsonMapper mapper = JsonMapper.builder(JsonFactory.builder()
                        .streamReadConstraints(StreamReadConstraints.builder()
                                .maxNestingDepth(MAX_NESTING_DEPTH)
                                .maxStringLength(maxFrameBytes)
                                .maxNumberLength(64)
                                .build())
                        .build())
                .build();
        return withTreeReader(mapper);
    }

    /**
     * The mapper with its tree deserializer made now. Jackson makes it on a mapper's first read, under a lock: on an
     * event loop, a second loop's first read would wait for it (BlockHound saw one park: a client's first command
     * failed and its socket was closed). Made on the thread that wires the gateway, every read after takes no lock.
     */
    public static JsonMapper withTreeReader(JsonMapper mapper) {
        mapper.readTree("{\"warm\":[1,\"a\",true,null,{}]}");
        return mapper;
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
        if (!op.equals("subscribe")) {
            return new ClientCommand.Unsubscribe(name, id);
        }
        JsonNode since = root.get("since");
        if (since == null || since.isNull()) {
            return new ClientCommand.Subscribe(name, id);
        }
        JsonNode offset = since.get("offset");
        JsonNode epoch = since.get("epoch");
        if (!since.isObject() || offset == null || !offset.canConvertToExactIntegral() || !offset.canConvertToLong()
                || offset.longValue() < 0 || epoch == null || !epoch.isString() || epoch.stringValue().isEmpty()
                || epoch.stringValue().length() > MAX_EPOCH_LENGTH) {
            return new ClientCommand.Invalid(ErrorCode.BAD_FRAME, "\"since\" must be {\"offset\":<non-negative integer>,"
                    + "\"epoch\":<string of 1.." + MAX_EPOCH_LENGTH + " characters>}", id);
        }
        return new ClientCommand.Subscribe(name, id, new ClientCommand.Since(offset.longValue(), epoch.stringValue()));
    }

    /**
     * A subscribe with recovery given outside a frame, as {@code ?since=<channel>:<offset>:<epoch>} (the channel may
     * itself contain ':', so the last two fields are the offset and the epoch).
     */
    public ClientCommand subscribeCommand(String channel, String since) {
        if (since == null) {
            return subscribeCommand(channel);
        }
        ClientCommand plain = subscribeCommand(channel);
        if (!(plain instanceof ClientCommand.Subscribe)) {
            return plain;
        }
        ClientCommand.Since position = parseSince(since);
        return position == null ? new ClientCommand.Invalid(ErrorCode.BAD_FRAME,
                "since must be <channel>:<offset>:<epoch>", null) : new ClientCommand.Subscribe(channel, null, position);
    }

    /** {@code <channel>:<offset>:<epoch>} -> channel; null when malformed. */
    public static String sinceChannel(String since) {
        int last = since.lastIndexOf(':');
        int middle = last > 0 ? since.lastIndexOf(':', last - 1) : -1;
        return middle > 0 ? since.substring(0, middle) : null;
    }

    private static ClientCommand.Since parseSince(String since) {
        int last = since.lastIndexOf(':');
        int middle = last > 0 ? since.lastIndexOf(':', last - 1) : -1;
        if (middle <= 0) {
            return null;
        }
        String epoch = since.substring(last + 1);
        if (epoch.isEmpty() || epoch.length() > MAX_EPOCH_LENGTH) {
            return null;
        }
        try {
            long offset = Long.parseLong(since.substring(middle + 1, last));
            return offset < 0 ? null : new ClientCommand.Since(offset, epoch);
        }
        catch (NumberFormatException e) {
            return null;
        }
    }
}
