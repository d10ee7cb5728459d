package org.pushgate.gateway.connection;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.auth.ClientAuth;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.hub.BufferSettings;
import org.pushgate.gateway.hub.Hub;
import org.pushgate.gateway.protocol.ClientProtocol;
import org.pushgate.gateway.protocol.CommandDecoder;
import org.pushgate.gateway.protocol.OutboundFrame;
import org.pushgate.gateway.protocol.PushgateProtocol;
import org.pushgate.gateway.protocol.ServerFrames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The pipeline every connection of this node runs, whatever its transport. For each socket, one
 * {@link Mono#usingWhen} opens a {@link Connection} (the one owner of what the socket acquires) and runs three
 * parts together:
 * <ol>
 *   <li>inbound: client commands, and the peer's close or death, which becomes a close reason;</li>
 *   <li>outbound: one Flux merging the buffer's frames, heartbeats and liveness pings, cut by the close signal;</li>
 *   <li>closing: when a close reason wins, the socket is closed with that reason's code.</li>
 * </ol>
 * Whatever ends the pipeline (complete, error or cancel), its termination calls {@link Connection#terminate},
 * the one release path. Timers exist only as subscriptions inside the outbound Flux, so the close signal that
 * ends the Flux disposes them too.
 */
public final class ConnectionPipeline {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPipeline.class);

    private final NodeResources node;
    private final ClientCommands commands;
    private final ClientProtocol pushgate;
    private final Scheduler timers;

    ConnectionPipeline(NodeResources node, CommandDecoder decoder, Scheduler timers) {
        this.node = node;
        this.commands = new ClientCommands(decoder, node.auth(), node.settings(), node.broker(), timers);
        this.pushgate = new PushgateProtocol(decoder);
        this.timers = timers;
    }

    /**
     * A pipeline over these parts without client authentication: for the connect-path benchmark in load/ (the
     * gateway wires its own in ConnectionConfiguration).
     */
    public static ConnectionPipeline withoutAuth(Hub hub, Broker broker, ConnectionRegistry registry,
                                                 ConnectionSettings settings, BufferSettings buffers,
                                                 ConnectionEvents events, CommandDecoder decoder, Scheduler timers) {
        return new ConnectionPipeline(new NodeResources(hub, broker, registry, settings, buffers, ClientAuth.none(), events),
                decoder, timers);
    }

    /**
     * Serves one socket until it ends, speaking the gateway's own protocol. The ticket is the connection slot the
     * transport took before the upgrade; from here on the connection owns it and its terminate returns it.
     */
    public Mono<Void> serve(ConnectionSocket socket, Admission.Ticket ticket) {
        return serve(socket, ticket, pushgate);
    }

    /** Serves one socket until it ends, speaking this client protocol (another endpoint's, e.g. Centrifugo's). */
    public Mono<Void> serve(ConnectionSocket socket, Admission.Ticket ticket, ClientProtocol protocol) {
        return Mono.defer(() -> {
            if (!ticket.start()) {
                // The handshake was given up (its deadline passed) and the slot is free again: serving the socket
                // now would run a connection without its slot. Nothing was acquired; drop the socket.
                log.debug("connection from {} started after its handshake was given up; dropped", socket.remoteAddress());
                socket.abort();
                return Mono.empty();
            }
            return Mono.usingWhen(
                    Mono.fromSupplier(() -> {
                        node.events().opened(socket.transport(), protocol.name());
                        return Connection.open(socket, ticket, now(), node, protocol);
                    }),
                    connection -> run(connection, socket),
                    connection -> Mono.fromRunnable(() -> connection.terminate(CloseReason.CLIENT_CLOSE)),
                    (connection, error) -> {
                        log.warn("connection {} pipeline failed", connection.id(), error);
                        return Mono.fromRunnable(() -> connection.terminate(CloseReason.SERVER_ERROR));
                    },
                    connection -> Mono.fromRunnable(() -> connection.terminate(CloseReason.RESET)));
        });
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
                        node.events().delivered();
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
                .flatMap(reason -> Mono.defer(() -> socket.close(reason))
                        .timeout(node.settings().livenessTimeout(), Mono.fromRunnable(socket::abort), timers)
                        .onErrorResume(error -> Mono.empty())); // the socket may already be gone: nothing to close

        return Mono.when(inbound, sending, closing);
    }

    /**
     * The connection's heartbeat and liveness timers. With equal intervals (the default) one timer does
     * both: each tick sends a heartbeat and a ping; that saves a scheduled task and its operators on every
     * connection. A socket that cannot answer pings (SSE) gets the heartbeat alone.
     */
    Flux<OutboundFrame> timers(Connection connection) {
        if (!connection.answersPings()) {
            return heartbeats(); // no pong can come back: a liveness probe would cut every such peer
        }
        if (node.settings().heartbeatInterval().equals(node.settings().livenessInterval())) {
            return livenessProbes(connection, true);
        }
        return Flux.merge(heartbeats(), livenessProbes(connection, false));
    }

    /** Heartbeat frames; dropped, never errored, while the socket cannot take them. */
    Flux<OutboundFrame> heartbeats() {
        Duration every = node.settings().heartbeatInterval();
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
        Duration every = node.settings().livenessInterval();
        Duration timeout = node.settings().livenessTimeout();
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
        AtomicInteger active = node.registry().timerCounter();
        // using(): one operator that counts at subscription and uncounts on complete, error or cancel.
        return Flux.using(active::incrementAndGet, count -> timer, count -> active.decrementAndGet());
    }

    /** Closes the connection at its auth deadline (connect timeout, then token expiry); a refresh moves it. */
    Flux<OutboundFrame> authDeadlines(Connection connection) {
        if (!node.auth().required()) {
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
