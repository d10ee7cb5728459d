package org.pushgate.gateway.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Encodes server frames. Message frames are assembled from pre-encoded bytes, once per publish. */
public final class ServerFrames {

    public static final OutboundFrame HEARTBEAT =
            new OutboundFrame(OutboundFrame.Kind.HEARTBEAT, "{\"op\":\"heartbeat\"}".getBytes(StandardCharsets.UTF_8))
                    .shareWire();
    public static final OutboundFrame PING = new OutboundFrame(OutboundFrame.Kind.PING, new byte[0]).shareWire();
    /** {@link #HEARTBEAT} and {@link #PING} in one frame, so that a keep-alive round is one write and one flush. */
    public static final OutboundFrame HEARTBEAT_PING =
            new OutboundFrame(OutboundFrame.Kind.HEARTBEAT_PING, HEARTBEAT.payload()).shareWire();

    private static final byte[] MESSAGE_PREFIX = "{\"op\":\"message\",\"channel\":\"".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OFFSET_FIELD = "\",\"offset\":".getBytes(StandardCharsets.UTF_8);
    private static final byte[] DATA_FIELD = ",\"data\":".getBytes(StandardCharsets.UTF_8);

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private ServerFrames() {
    }

    /**
     * @param channel a validated channel name (its alphabet needs no JSON escaping)
     * @param data compact, valid JSON, already encoded
     */
    public static OutboundFrame message(String channel, long offset, byte[] data) {
        byte[] name = channel.getBytes(StandardCharsets.US_ASCII);
        byte[] off = Long.toString(offset).getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream(
                MESSAGE_PREFIX.length + name.length + OFFSET_FIELD.length + off.length + DATA_FIELD.length + data.length + 1);
        out.writeBytes(MESSAGE_PREFIX);
        out.writeBytes(name);
        out.writeBytes(OFFSET_FIELD);
        out.writeBytes(off);
        out.writeBytes(DATA_FIELD);
        out.writeBytes(data);
        out.write('}');
        return new OutboundFrame(OutboundFrame.Kind.MESSAGE, out.toByteArray(), channel, offset);
    }

    /**
     * Where a message frame's data starts in its payload (it ends before the payload's last byte): another protocol
     * re-frames the same data without parsing it.
     */
    public static int messageDataStart(OutboundFrame message) {
        return MESSAGE_PREFIX.length + message.channel().length() + OFFSET_FIELD.length
                + Long.toString(message.offset()).length() + DATA_FIELD.length;
    }

    public static OutboundFrame subscribed(String channel, JsonNode id) {
        return channelReply("subscribed", channel, id);
    }

    /**
     * {@code {"op":"subscribed","channel":c,"id":..,"epoch":e,"offset":top}}, with {@code "recovered":true|false}
     * when the subscribe asked to recover.
     *
     * @param recovered null for a fresh subscribe
     */
    public static OutboundFrame subscribed(String channel, JsonNode id, String epoch, long offset, Boolean recovered) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("op", "subscribed");
        node.put("channel", channel);
        if (id != null) {
            node.set("id", id);
        }
        node.put("epoch", epoch);
        node.put("offset", offset);
        if (recovered != null) {
            node.put("recovered", recovered);
        }
        return OutboundFrame.reply(MAPPER.writeValueAsString(node));
    }

    /**
     * {@code {"op":"insufficient_state","channel":c}}: this node saw a gap in the channel's offsets (or a new epoch);
     * the server has unsubscribed the client from the channel, which should subscribe again with {@code since} set
     * to the last position it holds.
     */
    public static OutboundFrame insufficientState(String channel) {
        return channelReply("insufficient_state", channel, null);
    }

    public static OutboundFrame unsubscribed(String channel, JsonNode id) {
        return channelReply("unsubscribed", channel, id);
    }

    public static OutboundFrame error(ErrorCode code, String message, JsonNode id) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("op", "error");
        if (id != null) {
            node.set("id", id);
        }
        node.put("code", code.wire());
        node.put("message", message);
        return OutboundFrame.reply(MAPPER.writeValueAsString(node));
    }

    /** @param user null in auth mode none; @param expiresAt epoch seconds, or 0 when the token has no expiry */
    public static OutboundFrame connected(String user, long expiresAt, JsonNode id) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("op", "connected");
        if (id != null) {
            node.set("id", id);
        }
        if (user != null) {
            node.put("user", user);
        }
        if (expiresAt > 0) {
            node.put("expires", expiresAt);
        }
        return OutboundFrame.reply(MAPPER.writeValueAsString(node));
    }

    public static OutboundFrame refreshed(long expiresAt, JsonNode id) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("op", "refreshed");
        if (id != null) {
            node.set("id", id);
        }
        if (expiresAt > 0) {
            node.put("expires", expiresAt);
        }
        return OutboundFrame.reply(MAPPER.writeValueAsString(node));
    }

    private static OutboundFrame channelReply(String op, String channel, JsonNode id) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("op", op);
        node.put("channel", channel);
        if (id != null) {
            node.set("id", id);
        }
        return OutboundFrame.reply(MAPPER.writeValueAsString(node));
    }
}
