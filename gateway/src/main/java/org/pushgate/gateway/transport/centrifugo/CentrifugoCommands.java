package org.pushgate.gateway.transport.centrifugo;

import java.util.ArrayList;
import java.util.List;

import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.protocol.ClientCommand;
import org.pushgate.gateway.protocol.CommandDecoder;
import org.pushgate.gateway.protocol.ErrorCode;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Decodes Centrifugo's JSON client commands ({@code definitions/client.proto} of centrifugal/protocol, as
 * centrifuge-js 5.x sends them): one JSON object per line, several lines per frame, each
 * {@code {"id":n,"<method>":{..}}}; an empty object is the client's pong. Never throws: bad input becomes a
 * {@link ClientCommand.Invalid}, which has no id when nothing can answer it (the connection then ends with 3501).
 * Nesting, string and number sizes are bounded by Jackson's read constraints, the commands per frame by a count.
 */
final class CentrifugoCommands {

    private static final int MAX_EPOCH_LENGTH = CommandDecoder.MAX_EPOCH_LENGTH;

    private final JsonMapper mapper;
    private final ChannelNames channelNames;
    private final int maxTokenBytes;
    private final int maxCommandsPerFrame;

    CentrifugoCommands(ChannelNames channelNames, int maxFrameBytes, int maxTokenBytes, int maxCommandsPerFrame) {
        this.channelNames = channelNames;
        this.maxTokenBytes = maxTokenBytes;
        this.maxCommandsPerFrame = maxCommandsPerFrame;
        this.mapper = CommandDecoder.boundedMapper(maxFrameBytes);
    }

    List<ClientCommand> decode(String text) {
        List<ClientCommand> commands = new ArrayList<>(1);
        int start = 0;
        int lines = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            String line = text.substring(start, end).strip();
            start = end + 1;
            if (line.isEmpty()) {
                continue;
            }
            if (++lines > maxCommandsPerFrame) {
                return List.of(invalid(ErrorCode.BAD_FRAME, "more than " + maxCommandsPerFrame + " commands in one frame", null));
            }
            ClientCommand command = decodeLine(line);
            if (command != null) {
                commands.add(command);
            }
            if (command instanceof ClientCommand.Invalid invalid && invalid.id() == null) {
                return List.of(invalid); // the connection ends: the rest of the frame is moot
            }
        }
        return commands;
    }

    /** @return null for a pong or an ignored command */
    private ClientCommand decodeLine(String line) {
        JsonNode root;
        try {
            root = mapper.readTree(line);
        } catch (JacksonException e) {
            return invalid(ErrorCode.BAD_JSON, "not valid JSON", null);
        }
        if (root == null || !root.isObject()) {
            return invalid(ErrorCode.BAD_FRAME, "a command is a JSON object", null);
        }
        JsonNode id = root.get("id");
        if (root.isEmpty()) {
            return null; // {} is the pong
        }
        if (id == null || !id.canConvertToExactIntegral() || !id.canConvertToLong() || id.longValue() <= 0
                || id.longValue() > 0xFFFF_FFFFL) {
            // Centrifugo's asynchronous send has no id and wants no reply: nothing of ours takes it.
            return root.has("send") ? null : invalid(ErrorCode.BAD_FRAME, "a command needs a positive integer id", null);
        }
        if (root.has("connect")) {
            return tokenCommand(body(root, "connect"), id, false);
        }
        if (root.has("subscribe")) {
            return subscribe(body(root, "subscribe"), id);
        }
        if (root.has("unsubscribe")) {
            JsonNode body = body(root, "unsubscribe");
            String problem = channelProblem(body);
            return problem != null ? invalid(ErrorCode.INVALID_CHANNEL, problem, id)
                    : new ClientCommand.Unsubscribe(body.get("channel").stringValue(), id);
        }
        if (root.has("refresh")) {
            return tokenCommand(body(root, "refresh"), id, true);
        }
        if (root.has("history")) {
            return history(body(root, "history"), id);
        }
        if (root.has("publish")) {
            return invalid(ErrorCode.FORBIDDEN, "clients may not publish on this gateway; publish through its API", id);
        }
        for (String unavailable : new String[] {"presence", "presence_stats", "rpc", "sub_refresh"}) {
            if (root.has(unavailable)) {
                return invalid(ErrorCode.NOT_AVAILABLE, unavailable + " is not available on this gateway", id);
            }
        }
        if (root.has("send")) {
            return null;
        }
        return invalid(ErrorCode.UNKNOWN_OP, "unknown method", id);
    }

    private static JsonNode body(JsonNode root, String method) {
        JsonNode body = root.get(method);
        return body != null && body.isObject() ? body : null;
    }

    private ClientCommand tokenCommand(JsonNode body, JsonNode id, boolean refresh) {
        JsonNode token = body == null ? null : body.get("token");
        if (token == null || token.isNull() || (token.isString() && token.stringValue().isEmpty())) {
            return refresh ? invalid(ErrorCode.BAD_FRAME, "refresh needs a token", id) : new ClientCommand.Connect(null, id);
        }
        if (!token.isString()) {
            return invalid(ErrorCode.BAD_FRAME, "token must be a string", id);
        }
        if (token.stringValue().length() > maxTokenBytes) {
            return invalid(ErrorCode.BAD_FRAME, "token is longer than " + maxTokenBytes + " characters", id);
        }
        return refresh ? new ClientCommand.Refresh(token.stringValue(), id) : new ClientCommand.Connect(token.stringValue(), id);
    }

    private ClientCommand subscribe(JsonNode body, JsonNode id) {
        String problem = channelProblem(body);
        if (problem != null) {
            return invalid(ErrorCode.INVALID_CHANNEL, problem, id);
        }
        String channel = body.get("channel").stringValue();
        JsonNode recover = body.get("recover");
        if (recover == null || !recover.asBoolean(false)) {
            return new ClientCommand.Subscribe(channel, id);
        }
        ClientCommand.Since since = position(body.get("offset"), body.get("epoch"));
        return since == null ? invalid(ErrorCode.BAD_FRAME, "offset must be a non-negative integer and epoch a string of at most "
                + MAX_EPOCH_LENGTH + " characters", id) : new ClientCommand.Subscribe(channel, id, since);
    }

    private ClientCommand history(JsonNode body, JsonNode id) {
        String problem = channelProblem(body);
        if (problem != null) {
            return invalid(ErrorCode.INVALID_CHANNEL, problem, id);
        }
        JsonNode limit = body.get("limit");
        if (limit != null && (!limit.canConvertToExactIntegral() || !limit.canConvertToInt())) {
            return invalid(ErrorCode.BAD_FRAME, "limit must be an integer", id);
        }
        JsonNode since = body.get("since");
        ClientCommand.Since position = null;
        if (since != null && !since.isNull()) {
            position = since.isObject() ? position(since.get("offset"), since.get("epoch")) : null;
            if (position == null) {
                return invalid(ErrorCode.BAD_FRAME, "since must be {\"offset\":<non-negative integer>,\"epoch\":<string>}", id);
            }
        }
        JsonNode reverse = body.get("reverse");
        return new ClientCommand.History(body.get("channel").stringValue(), id, limit == null ? 0 : limit.intValue(),
                position, reverse != null && reverse.asBoolean(false));
    }

    /** Offset and epoch, either absent (0 and ""); null when malformed. */
    private static ClientCommand.Since position(JsonNode offset, JsonNode epoch) {
        if (offset != null && !offset.isNull()
                && (!offset.canConvertToExactIntegral() || !offset.canConvertToLong() || offset.longValue() < 0)) {
            return null;
        }
        if (epoch != null && !epoch.isNull() && (!epoch.isString() || epoch.stringValue().length() > MAX_EPOCH_LENGTH)) {
            return null;
        }
        return new ClientCommand.Since(offset == null || offset.isNull() ? 0 : offset.longValue(),
                epoch == null || epoch.isNull() ? "" : epoch.stringValue());
    }

    private String channelProblem(JsonNode body) {
        JsonNode channel = body == null ? null : body.get("channel");
        if (channel == null || !channel.isString()) {
            return "channel must be a string";
        }
        return channelNames.problem(channel.stringValue());
    }

    private static ClientCommand.Invalid invalid(ErrorCode code, String message, JsonNode id) {
        return new ClientCommand.Invalid(code, message, id);
    }
}
