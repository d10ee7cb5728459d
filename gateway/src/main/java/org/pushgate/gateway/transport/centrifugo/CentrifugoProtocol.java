package org.pushgate.gateway.transport.centrifugo;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.pushgate.gateway.broker.History;
import org.pushgate.gateway.broker.StreamMessage;
import org.pushgate.gateway.protocol.ClientCommand;
import org.pushgate.gateway.protocol.ClientProtocol;
import org.pushgate.gateway.protocol.ErrorCode;
import org.pushgate.gateway.protocol.OutboundFrame;
import org.pushgate.gateway.protocol.ServerFrames;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

/**
 * Centrifugo's JSON client protocol, as the unmodified centrifuge-js 5.x SDK speaks it: the commands of
 * {@link CentrifugoCommands}, and replies {@code {"id":n,"<method>":{..}}} or {@code {"id":n,"error":{..}}}, pushes
 * {@code {"push":{"channel":..,..}}}, the ping {@code {}}. A message frame of the hub becomes a push once per frame
 * ({@link #push}, through {@link OutboundFrame#alternateWire}), never per subscriber. What is served and what is not:
 * docs/protocol.md, "Centrifugo-compatible endpoint".
 */
final class CentrifugoProtocol implements ClientProtocol {

    /** Sent as the server's ping; the SDK answers {@code {}} (the connect reply says {@code pong: true}). */
    static final OutboundFrame PING = OutboundFrame.reply("{}").shareWire();
    static final String VERSION = "pushgate";
    /** Centrifugo's unsubscribe codes: below 2500 the SDK stays unsubscribed, from 2500 it subscribes again. */
    static final int UNSUBSCRIBE_SERVER = 2000;
    static final int UNSUBSCRIBE_INSUFFICIENT_STATE = 2500;

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final byte[] PUSH_PREFIX = "{\"push\":{\"channel\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PUB_DATA = "\",\"pub\":{\"data\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PUB_OFFSET = ",\"offset\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PUSH_END = "}}}".getBytes(StandardCharsets.US_ASCII);

    private final CentrifugoCommands commands;
    private final long pingSeconds;

    /** @param pingSeconds the liveness interval, in whole seconds: the SDK expects a ping that often */
    CentrifugoProtocol(CentrifugoCommands commands, long pingSeconds) {
        this.commands = commands;
        this.pingSeconds = Math.max(1, pingSeconds);
    }

    @Override
    public String name() {
        return "centrifugo";
    }

    @Override
    public List<ClientCommand> decode(String text) {
        return commands.decode(text);
    }

    /** What has no id cannot be answered (a reply without one is the SDK's ping), and bad JSON is Centrifugo's 3501. */
    @Override
    public boolean closesOn(ClientCommand.Invalid invalid) {
        return invalid.id() == null || invalid.code() == ErrorCode.BAD_JSON;
    }

    @Override
    public boolean subscribesPersonalChannel() {
        return false; // no server-side subscriptions: the client subscribes to user:<sub> itself
    }

    @Override
    public OutboundFrame tokenExpired(JsonNode id) {
        return error(ErrorCode.INVALID_TOKEN, "token expired", id); // 109: the SDK gets a new token and connects again
    }

    @Override
    public OutboundFrame connected(String user, long expiresAt, long ttlSeconds, JsonNode id) {
        ObjectNode result = MAPPER.createObjectNode();
        ThreadLocalRandom random = ThreadLocalRandom.current(); // never SecureRandom on an event loop
        result.put("client", new UUID(random.nextLong(), random.nextLong()).toString());
        result.put("version", VERSION);
        expiry(result, ttlSeconds);
        result.put("ping", pingSeconds);
        result.put("pong", true);
        return reply(id, "connect", result);
    }

    @Override
    public OutboundFrame refreshed(long expiresAt, long ttlSeconds, JsonNode id) {
        ObjectNode result = MAPPER.createObjectNode();
        result.put("version", VERSION);
        expiry(result, ttlSeconds);
        return reply(id, "refresh", result);
    }

    private static void expiry(ObjectNode result, long ttlSeconds) {
        if (ttlSeconds > 0) {
            result.put("expires", true);
            result.put("ttl", ttlSeconds);
        }
    }

    /**
     * One reply, with the recovered messages inside it. After a recovery its offset is the position recovered from
     * and each publication moves the client on (what the SDK expects: a cut while it handles them recovers the rest
     * again); otherwise the stream's top.
     */
    @Override
    public List<OutboundFrame> subscribed(String channel, JsonNode id, ClientCommand.Since since, boolean recovered,
                                          History history) {
        ObjectNode result = MAPPER.createObjectNode();
        result.put("recoverable", true);
        result.put("positioned", true);
        result.put("epoch", history.top().epoch());
        result.put("offset", recovered ? since.offset() : history.top().offset());
        if (since != null) {
            result.put("was_recovering", true);
            result.put("recovered", recovered);
        }
        if (recovered && !history.messages().isEmpty()) {
            result.set("publications", publications(history.messages(), false));
        }
        return List.of(reply(id, "subscribe", result));
    }

    @Override
    public OutboundFrame unsubscribed(String channel, JsonNode id) {
        return reply(id, "unsubscribe", MAPPER.createObjectNode());
    }

    @Override
    public OutboundFrame unsubscribedByServer(String channel) {
        return unsubscribePush(channel, UNSUBSCRIBE_SERVER, "server unsubscribe");
    }

    @Override
    public OutboundFrame insufficientState(String channel) {
        return unsubscribePush(channel, UNSUBSCRIBE_INSUFFICIENT_STATE, "insufficient state");
    }

    @Override
    public OutboundFrame history(String channel, JsonNode id, History history, boolean reverse) {
        ObjectNode result = MAPPER.createObjectNode();
        if (!history.messages().isEmpty()) {
            result.set("publications", publications(history.messages(), reverse));
        }
        result.put("epoch", history.top().epoch());
        result.put("offset", history.top().offset());
        return reply(id, "history", result);
    }

    /**
     * An error reply. Without an id it would read as a ping to the SDK, so it is not sent at all (only the command
     * rate limit answers without an id: the frame's commands then get no reply, and persisting is 3013). Unsubscribing
     * from a channel the client is not subscribed to succeeds, as in Centrifugo.
     */
    @Override
    public OutboundFrame error(ErrorCode code, String message, JsonNode id) {
        if (id == null) {
            return null;
        }
        if (code == ErrorCode.NOT_SUBSCRIBED) {
            return unsubscribed(null, id);
        }
        CentrifugoCodes.Error error = CentrifugoCodes.error(code);
        ObjectNode body = MAPPER.createObjectNode();
        body.put("code", error.code());
        body.put("message", message);
        if (error.temporary()) {
            body.put("temporary", true);
        }
        ObjectNode node = MAPPER.createObjectNode();
        node.set("id", id);
        node.set("error", body);
        return OutboundFrame.reply(MAPPER.writeValueAsString(node));
    }

    /**
     * A message frame of the hub as a publication push: its data and offset re-framed without parsing. Pure, for
     * {@link OutboundFrame#alternateWire}: made once per frame and shared by every subscriber of this protocol.
     */
    static OutboundFrame push(OutboundFrame message) {
        byte[] payload = message.payload();
        int dataStart = ServerFrames.messageDataStart(message);
        int dataLength = payload.length - 1 - dataStart; // the message frame ends with its closing '}'
        byte[] channel = message.channel().getBytes(StandardCharsets.US_ASCII);
        byte[] offset = Long.toString(message.offset()).getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[PUSH_PREFIX.length + channel.length + PUB_DATA.length + dataLength + PUB_OFFSET.length
                + offset.length + PUSH_END.length];
        int at = put(out, 0, PUSH_PREFIX);
        at = put(out, at, channel);
        at = put(out, at, PUB_DATA);
        System.arraycopy(payload, dataStart, out, at, dataLength);
        at += dataLength;
        at = put(out, at, PUB_OFFSET);
        at = put(out, at, offset);
        put(out, at, PUSH_END);
        OutboundFrame push = new OutboundFrame(OutboundFrame.Kind.MESSAGE, out);
        return message.sharesWire() ? push.shareWire() : push;
    }

    private static int put(byte[] into, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, into, at, bytes.length);
        return at + bytes.length;
    }

    private static ArrayNode publications(List<StreamMessage> messages, boolean reverse) {
        ArrayNode array = MAPPER.createArrayNode();
        for (int i = 0; i < messages.size(); i++) {
            StreamMessage message = messages.get(reverse ? messages.size() - 1 - i : i);
            ObjectNode pub = array.addObject();
            // Compact, valid JSON already (the publish API checked it): embedded as it is, not parsed again.
            pub.putRawValue("data", new RawValue(new String(message.data(), StandardCharsets.UTF_8)));
            pub.put("offset", message.offset());
        }
        return array;
    }

    private static OutboundFrame unsubscribePush(String channel, int code, String reason) {
        ObjectNode unsubscribe = MAPPER.createObjectNode();
        unsubscribe.put("code", code);
        unsubscribe.put("reason", reason);
        ObjectNode push = MAPPER.createObjectNode();
        push.put("channel", channel);
        push.set("unsubscribe", unsubscribe);
        ObjectNode node = MAPPER.createObjectNode();
        node.set("push", push);
        return OutboundFrame.reply(MAPPER.writeValueAsString(node));
    }

    private static OutboundFrame reply(JsonNode id, String method, ObjectNode result) {
        ObjectNode node = MAPPER.createObjectNode();
        if (id != null) {
            node.set("id", id);
        }
        node.set(method, result);
        return OutboundFrame.reply(MAPPER.writeValueAsString(node));
    }
}
