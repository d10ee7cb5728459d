package org.pushgate.gateway.connection;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.pushgate.gateway.auth.ChannelPolicy;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.broker.BrokerUnavailableException;
import org.pushgate.gateway.auth.ClientAuth;
import org.pushgate.gateway.auth.Identity;
import org.pushgate.gateway.auth.TokenVerifier;
import org.pushgate.gateway.protocol.ClientCommand;
import org.pushgate.gateway.protocol.ClientProtocol;
import org.pushgate.gateway.protocol.CommandDecoder;
import org.pushgate.gateway.protocol.ErrorCode;
import org.pushgate.gateway.protocol.OutboundFrame;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * What a connection does with its client's frames: authentication (connect, refresh), subscriptions
 * under the channel policy, the command rate limit. Runs inside the connection's pipeline, one frame at a
 * time (the pipeline serializes frames with {@code concatMap}), so per-connection state needs no locks.
 * Replies go into the connection's own buffer, in order with its messages.
 */
final class ClientCommands {

    private final CommandDecoder decoder;
    private final ClientAuth auth;
    private final ConnectionSettings settings;
    private final Broker broker;
    private final Scheduler clock;

    ClientCommands(CommandDecoder decoder, ClientAuth auth, ConnectionSettings settings, Broker broker, Scheduler clock) {
        this.decoder = decoder;
        this.auth = auth;
        this.settings = settings;
        this.broker = broker;
        this.clock = clock;
    }

    /** What happens before the first client frame: the connect deadline, header token, {@code ?channel=}. */
    Mono<Void> start(Connection connection, ConnectionSocket socket) {
        List<ClientCommand> initial = initialSubscribes(socket);
        if (!auth.required()) {
            return subscribeAll(connection, initial);
        }
        connection.deadline(new Connection.AuthDeadline(auth.connectTimeout(), CloseReason.AUTH_TIMEOUT));
        String headerToken = socket.bearerToken();
        if (headerToken == null) {
            connection.pendingChannels(initial); // ?channel= waits for the connect frame
            return Mono.empty();
        }
        return connect(connection, headerToken, null, initial);
    }

    Mono<Void> onFrame(Connection connection, ConnectionSocket.InboundFrame frame) {
        connection.touch(clock.now(TimeUnit.NANOSECONDS));
        switch (frame.type()) {
            case PONG -> {
                return Mono.empty(); // liveness only: touch() above is all a pong means to us
            }
            default -> {
                // TEXT and BINARY count against the command rate limit.
            }
        }
        // One token per frame, whatever the protocol packs into it (Centrifugo's SDK sends its connect and every
        // subscribe in one frame); the frame's size bounds what it can hold.
        int refusedInARow = connection.takeCommandToken(clock.now(TimeUnit.NANOSECONDS),
                settings.commandsPerSecond(), settings.commandBurst());
        ClientProtocol protocol = connection.protocol();
        if (refusedInARow > 0) {
            if (refusedInARow >= settings.rateLimitViolations()) {
                connection.close(CloseReason.RATE_LIMITED);
            } else {
                reply(connection, protocol.error(ErrorCode.RATE_LIMITED,
                        "more than " + settings.commandsPerSecond() + " commands per second", null));
            }
            return Mono.empty();
        }
        if (frame.type() == ConnectionSocket.InboundFrame.Type.BINARY) {
            invalid(connection, new ClientCommand.Invalid(ErrorCode.UNSUPPORTED_FRAME,
                    "binary frames are not supported; send JSON text frames", null));
            return Mono.empty();
        }
        List<ClientCommand> commands = protocol.decode(frame.text());
        if (commands.isEmpty()) {
            return Mono.empty(); // Centrifugo's {} pong: touch() above is all it means
        }
        if (commands.size() == 1) {
            return handle(connection, commands.get(0)); // /ws: one command per frame, no operator for it
        }
        // In order, each after the one before it completed (a connect, then the subscribes it allows).
        return reactor.core.publisher.Flux.fromIterable(commands)
                .concatMap(command -> connection.closeReason() == null ? handle(connection, command) : Mono.empty(), 0)
                .then();
    }

    /** A command that could not be accepted: an error reply, or the end of the connection if its protocol says so. */
    private static void invalid(Connection connection, ClientCommand.Invalid invalid) {
        if (connection.protocol().closesOn(invalid)) {
            connection.close(CloseReason.PROTOCOL_ERROR);
        } else {
            reply(connection, connection.protocol().error(invalid.code(), invalid.message(), invalid.id()));
        }
    }

    private Mono<Void> handle(Connection connection, ClientCommand command) {
        if (command instanceof ClientCommand.Subscribe s) {
            return subscribe(connection, s);
        } else if (command instanceof ClientCommand.Unsubscribe u) {
            if (connection.unsubscribe(u.channel())) {
                reply(connection, connection.protocol().unsubscribed(u.channel(), u.id()));
            } else {
                reply(connection, connection.protocol().error(ErrorCode.NOT_SUBSCRIBED, "not subscribed to " + u.channel(), u.id()));
            }
        } else if (command instanceof ClientCommand.Connect c) {
            return onConnect(connection, c);
        } else if (command instanceof ClientCommand.Refresh r) {
            return onRefresh(connection, r);
        } else if (command instanceof ClientCommand.History h) {
            return history(connection, h);
        } else if (command instanceof ClientCommand.Invalid invalid) {
            invalid(connection, invalid);
        }
        return Mono.empty();
    }

    private Mono<Void> onConnect(Connection connection, ClientCommand.Connect command) {
        if (!auth.required()) {
            reply(connection, connection.protocol().connected(null, 0, 0, command.id()));
            return Mono.empty();
        }
        if (connection.authenticated()) {
            reply(connection, connection.protocol().error(ErrorCode.ALREADY_CONNECTED, "already connected; use refresh for a new token", command.id()));
            return Mono.empty();
        }
        if (command.token() == null) {
            connection.close(CloseReason.INVALID_TOKEN);
            return Mono.empty();
        }
        return connect(connection, command.token(), command.id(), connection.pendingChannels());
    }

    private Mono<Void> connect(Connection connection, String token, tools.jackson.databind.JsonNode id,
                               List<ClientCommand> initial) {
        return auth.verifier().verify(token)
                .flatMap(identity -> {
                    String personal = ChannelPolicy.personalChannel(identity.userId());
                    if (!decoder.validChannel(personal)) {
                        connection.close(CloseReason.INVALID_TOKEN); // a sub that cannot name a channel
                        return Mono.<Void>empty();
                    }
                    connection.authenticate(identity);
                    connection.pendingChannels(List.of());
                    connection.deadline(expiry(identity));
                    reply(connection, connection.protocol().connected(identity.userId(), epochSeconds(identity),
                            ttlSeconds(identity), id));
                    if (!connection.protocol().subscribesPersonalChannel()) {
                        return subscribeAll(connection, initial);
                    }
                    // The personal channel once: as the client asked for it (?since= recovers it), or plainly.
                    ClientCommand.Subscribe mine = new ClientCommand.Subscribe(personal, null);
                    List<ClientCommand> others = new java.util.ArrayList<>(initial.size());
                    for (ClientCommand command : initial) {
                        if (command instanceof ClientCommand.Subscribe s && s.channel().equals(personal)) {
                            mine = s;
                        } else {
                            others.add(command);
                        }
                    }
                    return subscribe(connection, mine).then(subscribeAll(connection, others));
                })
                .onErrorResume(TokenVerifier.InvalidTokenException.class, refused -> {
                    OutboundFrame fetchAnother = refused.expired() ? connection.protocol().tokenExpired(id) : null;
                    if (fetchAnother != null) {
                        reply(connection, fetchAnother); // the connect deadline still runs
                    } else {
                        connection.close(refused.expired() ? CloseReason.TOKEN_EXPIRED : CloseReason.INVALID_TOKEN);
                    }
                    return Mono.empty();
                })
                .then();
    }

    private Mono<Void> onRefresh(Connection connection, ClientCommand.Refresh command) {
        if (!auth.required()) {
            reply(connection, connection.protocol().refreshed(0, 0, command.id()));
            return Mono.empty();
        }
        Identity current = connection.identity();
        if (current == null) {
            reply(connection, connection.protocol().error(ErrorCode.NOT_CONNECTED, "connect before refresh", command.id()));
            return Mono.empty();
        }
        return auth.verifier().verify(command.token())
                .doOnNext(identity -> {
                    if (!identity.userId().equals(current.userId())) {
                        reply(connection, connection.protocol().error(ErrorCode.INVALID_TOKEN, "refresh token is for another user", command.id()));
                        return;
                    }
                    connection.authenticate(identity);
                    connection.deadline(expiry(identity));
                    reply(connection, connection.protocol().refreshed(epochSeconds(identity), ttlSeconds(identity), command.id()));
                    // A newer token may claim less: drop what it no longer allows.
                    for (String channel : connection.channels()) {
                        if (!auth.policy().maySubscribe(identity, channel) && connection.unsubscribe(channel)) {
                            reply(connection, connection.protocol().unsubscribedByServer(channel));
                        }
                    }
                })
                .onErrorResume(TokenVerifier.InvalidTokenException.class, refused -> {
                    // The old token still holds until it expires; the client may try again.
                    reply(connection, connection.protocol().error(ErrorCode.INVALID_TOKEN, refused.getMessage(), command.id()));
                    return Mono.empty();
                })
                .then();
    }

    /**
     * The subscribes a client asked for in its upgrade request: {@code ?channel=c} and {@code ?since=c:41:e}
     * (which names its channel and implies subscribing to it), each channel once, in the order given.
     */
    private List<ClientCommand> initialSubscribes(ConnectionSocket socket) {
        java.util.Map<String, String> since = new java.util.LinkedHashMap<>();
        for (String position : socket.initialSince()) {
            String channel = CommandDecoder.sinceChannel(position);
            since.putIfAbsent(channel == null ? position : channel, position);
        }
        java.util.LinkedHashSet<String> channels = new java.util.LinkedHashSet<>(socket.initialChannels());
        channels.addAll(since.keySet());
        List<ClientCommand> commands = new java.util.ArrayList<>(channels.size());
        for (String channel : channels) {
            commands.add(decoder.subscribeCommand(channel, since.get(channel)));
        }
        return commands;
    }

    private Mono<Void> subscribeAll(Connection connection, List<ClientCommand> commands) {
        return reactor.core.publisher.Flux.fromIterable(commands)
                .takeWhile(command -> connection.closeReason() == null)
                .concatMap(command -> {
                    if (command instanceof ClientCommand.Subscribe s) {
                        return subscribe(connection, s);
                    }
                    if (command instanceof ClientCommand.Invalid invalid) {
                        reply(connection, connection.protocol().error(invalid.code(), invalid.message(), null));
                    }
                    return Mono.empty();
                }, 0)
                .then();
    }

    /**
     * Joins the channel, then reads its stream (the position; with {@code since}, the missed messages too) and
     * completes on the connection's loop: the reply, any recovered messages, then live ones (Connection.
     * completeSubscribe). The next command waits for it, so replies keep the order of the commands.
     */
    private Mono<Void> subscribe(Connection connection, ClientCommand.Subscribe s) {
        if (!allowed(connection, s.channel(), s.id(), "send {\"op\":\"connect\",\"token\":...} first",
                "not allowed to subscribe to ")) {
            return Mono.empty();
        }
        switch (connection.subscribe(s.channel())) {
            case SUBSCRIBED -> {
                ClientCommand.Since since = s.since();
                return broker.history(s.channel(), since == null ? 0 : since.offset(), since == null ? 0 : settings.maxRecovered())
                        .flatMap(history -> connection.onLoop(
                                () -> connection.completeSubscribe(s.channel(), s.id(), since, history)))
                        .onErrorResume(BrokerUnavailableException.class, unavailable -> connection.onLoop(() -> {
                            connection.abandonSubscribe(s.channel());
                            reply(connection, connection.protocol().error(ErrorCode.BROKER_UNAVAILABLE,
                                    "the broker did not answer in time; subscribe again", s.id()));
                        }));
            }
            case ALREADY_SUBSCRIBED -> reply(connection, connection.protocol().error(ErrorCode.ALREADY_SUBSCRIBED,
                    "already subscribed to " + s.channel(), s.id()));
            case LIMIT_REACHED -> connection.close(CloseReason.TOO_MANY_SUBSCRIPTIONS);
            case CLOSED -> {
                // The connection is closing; the subscribe is moot.
            }
        }
        return Mono.empty();
    }

    /**
     * Whether the connection may subscribe to (or read) the channel: always in mode none; in jwt mode once
     * connected and as the channel policy says. Otherwise the client gets the error and false is returned.
     */
    private boolean allowed(Connection connection, String channel, tools.jackson.databind.JsonNode id,
                            String connectFirst, String refused) {
        if (!auth.required()) {
            return true;
        }
        Identity identity = connection.identity();
        if (identity == null) {
            reply(connection, connection.protocol().error(ErrorCode.NOT_CONNECTED, connectFirst, id));
            return false;
        }
        if (!auth.policy().maySubscribe(identity, channel)) {
            reply(connection, connection.protocol().error(ErrorCode.FORBIDDEN, refused + channel, id));
            return false;
        }
        return true;
    }

    private Connection.AuthDeadline expiry(Identity identity) {
        // The verifier accepts a token until exp plus the clock skew; the connection lives as long.
        long millis = identity.expiresAt().toEpochMilli() + auth.clockSkew().toMillis() - clock.now(TimeUnit.MILLISECONDS);
        return new Connection.AuthDeadline(Duration.ofMillis(Math.max(0, millis)), CloseReason.TOKEN_EXPIRED);
    }

    /**
     * When the client should refresh, in whole seconds, at least 1 (0 when the token has no expiry): a second before
     * the token expires, so that a refresh sent at the last moment still arrives in time.
     */
    private long ttlSeconds(Identity identity) {
        if (identity.expiresAt() == null) {
            return 0;
        }
        long millis = identity.expiresAt().toEpochMilli() - clock.now(TimeUnit.MILLISECONDS);
        return Math.max(1, (millis - 1000) / 1000);
    }

    /**
     * Reads a channel's stream for a client (Centrifugo's history): who may subscribe may read; at most
     * gateway.history.max-recovered messages, from a position of the stream's epoch only.
     */
    private Mono<Void> history(Connection connection, ClientCommand.History h) {
        if (!allowed(connection, h.channel(), h.id(), "connect first", "not allowed to read ")) {
            return Mono.empty();
        }
        int limit = Math.min(h.limit() < 0 ? Integer.MAX_VALUE : h.limit(), settings.maxRecovered());
        // Newest first needs the newest ones: read what the bound allows and keep the tail.
        int read = h.reverse() && h.since() == null && limit > 0 ? settings.maxRecovered() : limit;
        return broker.history(h.channel(), h.since() == null ? 0 : h.since().offset(), read)
                .doOnNext(history -> {
                    if (h.since() != null && !history.top().epoch().equals(h.since().epoch())) {
                        reply(connection, connection.protocol().error(ErrorCode.UNRECOVERABLE_POSITION,
                                "the stream's epoch is " + history.top().epoch(), h.id()));
                        return;
                    }
                    List<org.pushgate.gateway.broker.StreamMessage> messages = history.messages();
                    if (messages.size() > limit) {
                        messages = h.reverse() ? messages.subList(messages.size() - limit, messages.size())
                                : messages.subList(0, limit);
                    }
                    reply(connection, connection.protocol().history(h.channel(), h.id(),
                            new org.pushgate.gateway.broker.History(history.top(), messages, history.complete()), h.reverse()));
                })
                .onErrorResume(BrokerUnavailableException.class, unavailable -> {
                    reply(connection, connection.protocol().error(ErrorCode.BROKER_UNAVAILABLE,
                            "the broker did not answer in time; try again", h.id()));
                    return Mono.empty();
                })
                .then();
    }

    private static long epochSeconds(Identity identity) {
        return identity.expiresAt() == null ? 0 : identity.expiresAt().getEpochSecond();
    }

    /**
     * Replies share the connection's bounded buffer, so they stay in order with the messages around them. A null
     * frame is an answer the protocol cannot give (Centrifugo's error without a command id): nothing is sent.
     */
    private static void reply(Connection connection, OutboundFrame frame) {
        // From whichever thread handles the command (an event loop, or the verifier's after an async token
        // check): the buffer hops onto its own loop, so its sink keeps one producer.
        if (frame != null) {
            connection.send(frame);
        }
    }
}
