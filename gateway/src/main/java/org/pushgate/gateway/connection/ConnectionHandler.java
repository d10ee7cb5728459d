package org.pushgate.gateway.connection;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.pushgate.gateway.hub.Hub;
import org.pushgate.gateway.hub.HubEvents;
import org.pushgate.gateway.protocol.CommandDecoder;
import org.pushgate.gateway.protocol.OutboundFrame;
import org.pushgate.gateway.protocol.ServerFrames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The connection pipeline. For each socket, one {@link Mono#usingWhen} acquires a {@link Connection}
 * (registry entry, subscriber buffer) and runs three parts together:
 * <ol>
 *   <li>inbound: client commands, and the peer's close or death, which becomes a close reason;</li>
 *   <li>outbound: one Flux merging the hub's frames, heartbeats and liveness pings, cut by the close signal;</li>
 *   <li>closing: when a close reason wins, the socket is closed with that reason's code.</li>
 * </ol>
 * Whatever ends the socket, the {@code usingWhen} termination releases everything the connection
 * acquired, in one place ({@link #release}). Timers exist only as subscriptions inside the outbound Flux,
 * so the cancellation that ends the Flux disposes them too.
 */
public final class ConnectionHandler {

    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);

    private final Hub hub;
    private final ConnectionRegistry registry;
    private final ConnectionSettings settings;
    private final ConnectionAuth auth;
    private final ClientCommands commands;
    private final Scheduler timers;
    private final HubEvents hubEvents;
    private final ConnectionEvents events;

    public ConnectionHandler(Hub hub, ConnectionRegistry registry, ConnectionSettings settings, CommandDecoder decoder,
                             Scheduler timers, HubEvents hubEvents, ConnectionEvents events) {
        this(hub, registry, settings, ConnectionAuth.none(), decoder, timers, hubEvents, events);
    }

    public ConnectionHandler(Hub hub, ConnectionRegistry registry, ConnectionSettings settings, ConnectionAuth auth,
                             CommandDecoder decoder, Scheduler timers, HubEvents hubEvents, ConnectionEvents events) {
        this.hub = hub;
        this.registry = registry;
        this.settings = settings;
        this.auth = auth;
        this.commands = new ClientCommands(decoder, auth, settings, timers);
        this.timers = timers;
        this.hubEvents = hubEvents;
        this.events = events;
    }

    /**
     * Serves one socket until it ends.
     *
     * @param onRelease runs exactly once when the connection is released (returns its admission permit)
     */
    public Mono<Void> handle(ConnectionSocket socket, Runnable onRelease) {
        return Mono.usingWhen(
                Mono.fromSupplier(() -> open(socket, onRelease)),
                connection -> run(connection, socket),
                connection -> Mono.fromRunnable(() -> release(connection, CloseReason.CLIENT_CLOSE)),
                (connection, error) -> {
                    log.warn("connection {} pipeline failed", connection.id(), error);
                    return Mono.fromRunnable(() -> release(connection, CloseReason.SERVER_ERROR));
                },
                connection -> Mono.fromRunnable(() -> release(connection, CloseReason.RESET)));
    }

    private Connection open(ConnectionSocket socket, Runnable onRelease) {
        Connection connection = new Connection(registry.nextId(), socket, onRelease, now(), hub, settings, hubEvents,
                auth.required());
        registry.add(connection);
        return connection;
    }

    /**
     * The single release path, run by the pipeline's termination whichever way it ends. The order matters:
     * the close reason is fixed first (so the reason counted is the one that won), then the hub forgets the
     * buffer (no publisher offers to a dead buffer after this), then the registry entry and the admission
     * permit go, so the connection count never shows a slot free while the hub still holds its subscriber.
     * Idempotent; besides the pipeline, only the auditor calls it, for a connection whose pipeline is gone.
     *
     * @return true if this call released the connection
     */
    public boolean release(Connection connection, CloseReason fallback) {
        connection.close(fallback);
        if (!connection.release()) {
            return false;
        }
        registry.remove(connection);
        connection.onRelease().run();
        events.disconnected(connection.closeReason());
        return true;
    }

    Mono<Void> run(Connection connection, ConnectionSocket socket) {
        // Frames are handled one at a time, in order; a connect may wait for its token's verification.
        Mono<Void> inbound = commands.start(connection, socket)
                .thenMany(socket.receive().concatMap(frame -> commands.onFrame(connection, frame), 1))
                .then(socket.peerCloseCode()
                        .map(code -> code == CloseReason.RESET.code() ? CloseReason.RESET : CloseReason.CLIENT_CLOSE)
                        .defaultIfEmpty(CloseReason.RESET))
                .onErrorResume(error -> Mono.just(classify(error)))
                .doOnNext(connection::close)
                .then();

        // Prefetch 1: the subscriber buffer is the connection's queue; merge must not hold a second one.
        Flux<OutboundFrame> outbound = Flux.merge(1,
                        connection.buffer().frames(),
                        timers(connection),
                        authDeadlines(connection))
                .takeUntilOther(connection.closed())
                .doOnNext(frame -> {
                    if (frame.kind() == OutboundFrame.Kind.MESSAGE) {
                        events.delivered();
                    }
                    else if (frame.kind() == OutboundFrame.Kind.PING) {
                        connection.pingSent(now());
                    }
                });

        Mono<Void> sending = socket.send(outbound)
                .onErrorResume(error -> {
                    connection.close(CloseReason.RESET);
                    return Mono.empty();
                });

        // A reset socket is gone: there is no one to send a close frame to (and 1006 may not go on the wire).
        // A peer that does not take the close frame (a slow consumer's full TCP window, a half-open peer) gets
        // the liveness timeout to do so; then the TCP connection is aborted, which ends the inbound side.
        Mono<Void> closing = connection.closed()
                .filter(reason -> reason != CloseReason.RESET)
                .flatMap(reason -> Mono.defer(() -> socket.close(reason.code(), reason.text()))
                        .timeout(settings.livenessTimeout(), Mono.fromRunnable(socket::abort), timers)
                        .onErrorResume(error -> Mono.empty())); // the socket may already be gone: nothing to close

        return Mono.when(inbound, sending, closing);
    }

    /**
     * The connection's heartbeat and liveness timers. With equal intervals (the default) one timer does
     * both: each tick sends a heartbeat and a ping; that saves a scheduled task and its operators on every
     * connection.
     */
    Flux<OutboundFrame> timers(Connection connection) {
        if (settings.heartbeatInterval().equals(settings.livenessInterval())) {
            return livenessProbes(connection, true);
        }
        return Flux.merge(heartbeats(), livenessProbes(connection, false));
    }

    /** Heartbeat frames; dropped, never errored, while the socket cannot take them. */
    Flux<OutboundFrame> heartbeats() {
        Duration every = settings.heartbeatInterval();
        return counted(Flux.interval(every, every, timers)
                .onBackpressureDrop()
                .map(tick -> ServerFrames.HEARTBEAT));
    }

    /**
     * A ping every liveness interval; if no frame at all (pong or other) has arrived within the liveness
     * timeout after the socket's writer took that ping, the connection is closed as
     * {@link CloseReason#LIVENESS_TIMEOUT}. The timeout runs from when the ping was taken for writing (not
     * from the tick), so a ping that waited behind other frames of a busy gateway does not count against the
     * peer; a ping the writer never took (the socket is not draining) counts from the tick.
     */
    Flux<OutboundFrame> livenessProbes(Connection connection, boolean withHeartbeat) {
        Duration every = settings.livenessInterval();
        Duration timeout = settings.livenessTimeout();
        return counted(Flux.interval(every, every, timers)
                .onBackpressureDrop()
                .concatMap(tick -> {
                    long tickAt = now();
                    Flux<OutboundFrame> probe = withHeartbeat ? Flux.just(ServerFrames.HEARTBEAT, ServerFrames.PING)
                            : Flux.just(ServerFrames.PING);
                    return probe.concatWith(Mono.delay(timeout, timers)
                            .flatMap(elapsed -> livenessCheck(connection, tickAt, timeout))
                            .then(Mono.empty()));
                }, 0));
    }

    private Mono<Void> livenessCheck(Connection connection, long tickAt, Duration timeout) {
        long sent = connection.pingSentNanos();
        long since = sent != Long.MIN_VALUE && sent - tickAt >= 0 ? sent : tickAt;
        if (connection.lastInboundNanos() - since >= 0) {
            return Mono.empty();
        }
        long remaining = since + timeout.toNanos() - now();
        Mono<Void> cut = Mono.fromRunnable(() -> {
            if (connection.lastInboundNanos() - since < 0) {
                connection.close(CloseReason.LIVENESS_TIMEOUT);
            }
        });
        return remaining > 0 ? Mono.delay(Duration.ofNanos(remaining), timers).then(cut) : cut;
    }

    private Flux<OutboundFrame> counted(Flux<OutboundFrame> timer) {
        AtomicInteger active = registry.timerCounter();
        // using(): one operator that counts at subscription and uncounts on complete, error or cancel.
        return Flux.using(active::incrementAndGet, count -> timer, count -> active.decrementAndGet());
    }

    /** Closes the connection at its auth deadline (connect timeout, then token expiry); a refresh moves it. */
    Flux<OutboundFrame> authDeadlines(Connection connection) {
        if (!auth.required()) {
            return Flux.empty();
        }
        return counted(connection.authDeadlines()
                .switchMap(deadline -> Mono.delay(deadline.after(), timers)
                        .doOnNext(elapsed -> connection.close(deadline.reason())))
                .thenMany(Flux.empty()));
    }

    private static CloseReason classify(Throwable error) {
        return error instanceof ConnectionSocket.ViolationException violation ? violation.reason() : CloseReason.RESET;
    }

    private long now() {
        return timers.now(TimeUnit.NANOSECONDS);
    }
}
