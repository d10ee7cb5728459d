package org.pushgate.gateway.protocol;

import java.util.ArrayList;
import java.util.List;

import org.pushgate.gateway.broker.History;
import org.pushgate.gateway.broker.StreamMessage;

import tools.jackson.databind.JsonNode;

/**
 * The gateway's own JSON protocol of {@code /ws} and {@code /sse} (docs/protocol.md): one command per frame
 * ({@link CommandDecoder}), the frames of {@link ServerFrames}. Every malformed command gets an error frame and
 * the connection stays.
 */
public final class PushgateProtocol implements ClientProtocol {

    private final CommandDecoder decoder;

    public PushgateProtocol(CommandDecoder decoder) {
        this.decoder = decoder;
    }

    @Override
    public String name() {
        return "pushgate";
    }

    @Override
    public List<ClientCommand> decode(String text) {
        return List.of(decoder.decode(text));
    }

    @Override
    public boolean closesOn(ClientCommand.Invalid invalid) {
        return false;
    }

    @Override
    public boolean subscribesPersonalChannel() {
        return true;
    }

    @Override
    public OutboundFrame tokenExpired(JsonNode id) {
        return null; // the connection closes as token_expired (4006): the client reconnects with a fresh token
    }

    @Override
    public OutboundFrame connected(String user, long expiresAt, long ttlSeconds, JsonNode id) {
        return ServerFrames.connected(user, expiresAt, id);
    }

    @Override
    public OutboundFrame refreshed(long expiresAt, long ttlSeconds, JsonNode id) {
        return ServerFrames.refreshed(expiresAt, id);
    }

    @Override
    public List<OutboundFrame> subscribed(String channel, JsonNode id, ClientCommand.Since since, boolean recovered,
                                          History history) {
        List<OutboundFrame> frames = new ArrayList<>(recovered ? history.messages().size() + 1 : 1);
        frames.add(ServerFrames.subscribed(channel, id, history.top().epoch(), history.top().offset(),
                since == null ? null : recovered));
        if (recovered) {
            for (StreamMessage missed : history.messages()) {
                frames.add(ServerFrames.message(channel, missed.offset(), missed.data()));
            }
        }
        return frames;
    }

    @Override
    public OutboundFrame unsubscribed(String channel, JsonNode id) {
        return ServerFrames.unsubscribed(channel, id);
    }

    @Override
    public OutboundFrame unsubscribedByServer(String channel) {
        return ServerFrames.unsubscribed(channel, null);
    }

    @Override
    public OutboundFrame insufficientState(String channel) {
        return ServerFrames.insufficientState(channel);
    }

    @Override
    public OutboundFrame history(String channel, JsonNode id, History history, boolean reverse) {
        // Never reached: CommandDecoder has no history op.
        return ServerFrames.error(ErrorCode.UNKNOWN_OP, "unknown op", id);
    }

    @Override
    public OutboundFrame error(ErrorCode code, String message, JsonNode id) {
        return ServerFrames.error(code, message, id);
    }
}
