package org.pushgate.gateway.protocol;

import java.util.List;

import org.pushgate.gateway.broker.History;

import tools.jackson.databind.JsonNode;

/**
 * A client protocol: how one connection's text frames become {@link ClientCommand}s, and how the answers the one
 * command handler ({@code connection.ClientCommands}) gives become frames. The connection, its pipeline, buffers,
 * timers and release path are the same whatever the protocol; only this codec differs. Message frames are not made
 * here: the hub makes one {@link ServerFrames#message} per publish, and a transport of another protocol derives its
 * encoding from it once per frame ({@link OutboundFrame#alternateWire}).
 *
 * <p>Implementations are stateless and thread-safe: one instance serves every connection of its endpoint.
 */
public interface ClientProtocol {

    /** The {@code protocol} tag of {@code gateway_connections_opened_total}: {@code pushgate}, {@code centrifugo}. */
    String name();

    /** Decodes one text frame into the commands it holds, in order. Never throws; bad input is {@link ClientCommand.Invalid}. */
    List<ClientCommand> decode(String text);

    /**
     * Whether a command that could not be accepted ends the connection (as {@code PROTOCOL_ERROR}) rather than getting
     * an error reply: a protocol whose client cannot tie an error without an id to anything says so here.
     */
    boolean closesOn(ClientCommand.Invalid invalid);

    /** Whether a connect subscribes the user's personal channel by itself (pushgate) or leaves that to the client. */
    boolean subscribesPersonalChannel();

    /**
     * The answer to a connect whose token has expired, when this protocol tells the client to fetch a new one and
     * try again (the connection stays, under its connect deadline); null to close it as {@code TOKEN_EXPIRED}.
     */
    OutboundFrame tokenExpired(JsonNode id);

    /**
     * @param user null when no authentication is required
     * @param expiresAt epoch seconds, 0 when the token has no expiry
     * @param ttlSeconds seconds until the client should refresh (0 when the token has no expiry)
     */
    OutboundFrame connected(String user, long expiresAt, long ttlSeconds, JsonNode id);

    /** @see #connected */
    OutboundFrame refreshed(long expiresAt, long ttlSeconds, JsonNode id);

    /**
     * The frames that complete a subscribe, in order: its reply with the stream's position and, when the client
     * asked to recover and every missed message is there, those messages.
     *
     * @param since null for a fresh subscribe
     * @param history the stream read: its top is the position the subscription goes on from
     * @param recovered whether {@code history} holds every message after {@code since} (false for a fresh subscribe)
     */
    List<OutboundFrame> subscribed(String channel, JsonNode id, ClientCommand.Since since, boolean recovered,
                                   History history);

    /** The reply to a client's unsubscribe. */
    OutboundFrame unsubscribed(String channel, JsonNode id);

    /** The server ended the subscription (a refreshed token no longer allows the channel); not to resubscribe. */
    OutboundFrame unsubscribedByServer(String channel);

    /** The server ended the subscription after a gap in the stream; the client subscribes again and recovers. */
    OutboundFrame insufficientState(String channel);

    /** The answer to a history read: the messages in the order asked, and the stream's position. */
    OutboundFrame history(String channel, JsonNode id, History history, boolean reverse);

    OutboundFrame error(ErrorCode code, String message, JsonNode id);
}
