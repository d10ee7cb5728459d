package org.pushgate.gateway.connection;

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
 *   <li>outbound: one publisher ({@link Outbound}) merging the buffer's frames, the connection's keep-alive frames
 *       (heartbeats and liveness pings, from its event loop's {@link KeepAliveWheel}) and its auth deadline, cut by
 *       the close signal;</li>
 *   <li>closing: when a close reason wins, the socket is closed with that reason's code.</li>
 * </ol>
 * Whatever ends the pipeline (complete, error or cancel), its termination calls {@link Connection#terminate},
 * the one release path; it also takes the connection out of its loop's keep-alive wheel. The auth deadline exists
 * only as a subscription inside the outbound Flux, so the close signal that ends the Flux disposes it too.
 *
 * <p>The outbound is one {@link Outbound} per connection: a lane per source, no chain of operators.
 *
 * <p>Keep-alive: one wheel per event loop visits the connections due (O(1) to join, visit and leave), on their own
 * loop, and writes a round's heartbeat and ping as one frame (one write, one flush) when the two intervals are equal;
 * no per-connection scheduled task, interval or delay (docs/lifecycle.md, docs/benchmarks.md gateway issue 7).
 */
public final class ConnectionPipeline {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPipeline.class);

    private final NodeResources node;
    private final ClientCommands commands;
    private final ClientProtocol pushgate;
    private final Scheduler timers;
    private final KeepAliveWheel.Loops keepAlives;

    ConnectionPipeline(NodeResources node, CommandDecoder decoder, Scheduler timers) {
        this.node = node;
        this.keepAlives = new KeepAliveWheel.Loops(timers, node.settings(), node.registry().timerCounter());
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
                        return Connection.open(socket, ticket, now(), node, protocol, keepAlives);
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
        // Frames are handled one at a time, in order; a connect may wait for its token's verification. The way the
        // frames end (the peer's close code, none, a violation, a failure) is the connection's close reason.
        Mono<Void> inbound = new Inbound<>(commands.start(connection, socket), socket.receive(),
                frame -> commands.onFrame(connection, frame), socket.peerCloseCode(), ConnectionPipeline::reasonOf,
                connection::close);

        // One publisher for the merge of the buffer's frames, the keep-alive frames and the auth deadlines, each one
        // frame ahead at most (the subscriber buffer is the connection's queue: nothing holds a second one), cut by
        // the close signal, counting deliveries and pings as the writer takes them.
        Flux<OutboundFrame> outbound = new Outbound(connection, connection.buffer().frames(), connection.keepAlive(),
                authDeadlines(connection), node.events(), this::now);

        Mono<Void> sending = socket.send(outbound)
                .onErrorResume(error -> {
                    connection.close(CloseReason.RESET);
                    return Mono.empty();
                });

        // The outbound ends exactly when the close signal comes (or, if the socket failed, with RESET as the reason),
        // so the close frame follows it, after the last frame the writer took: one subscription for both instead
        // of a second one to the close signal held for the socket's whole life.
        // A reset socket is gone: there is no one to send a close frame to (and 1006 may not go on the wire). A
        // client that closed first (CLIENT_CLOSE: its close frame came in) was answered by the transport itself,
        // which also ends the TCP connection: nothing to send either, and no lingering close for it.
        // A peer that does not take the close frame (a slow consumer's full TCP window, a half-open peer) gets
        // the liveness timeout to do so; then the TCP connection is aborted, which ends the inbound side.
        Mono<Void> closing = Mono.defer(() -> {
            CloseReason reason = connection.closeReason();
            if (reason == null || reason == CloseReason.RESET || reason == CloseReason.CLIENT_CLOSE) {
                return Mono.empty();
            }
            return socket.close(reason)
                    .timeout(node.settings().livenessTimeout(), Mono.fromRunnable(socket::abort), timers)
                    .onErrorResume(error -> Mono.empty()); // the socket may already be gone: nothing to close
        });

        return Mono.when(inbound, sending.then(closing));
    }

    private Flux<OutboundFrame> counted(Flux<OutboundFrame> timer) {
        AtomicInteger active = node.registry().timerCounter();
        // using(): one operator that counts at subscription and uncounts on complete, error or cancel.
        return Flux.using(active::incrementAndGet, count -> timer, count -> active.decrementAndGet());
    }

    /**
     * Closes the connection at its auth deadline (connect timeout, then token expiry); a refresh moves it. Null when
     * clients do not authenticate.
     */
    Flux<OutboundFrame> authDeadlines(Connection connection) {
        if (!node.auth().required()) {
            return null;
        }
        return counted(connection.authDeadlines()
                .switchMap(deadline -> Mono.delay(deadline.after(), timers)
                        .doOnNext(elapsed -> connection.close(deadline.reason())))
                .thenMany(Flux.empty()));
    }

    /** Connections in this node's keep-alive wheels (all loops): zero once every connection terminated. */
    int keepAliveRegistrations() {
        return keepAlives.registered();
    }

    /** Why the inbound ended: the peer's close code once the frames completed (null: none came), or a failure. */
    static CloseReason reasonOf(Integer closeCode, Throwable error) {
        if (error != null) {
            return classify(error);
        }
        return closeCode == null || closeCode == CloseReason.RESET.code() ? CloseReason.RESET : CloseReason.CLIENT_CLOSE;
    }

    private static CloseReason classify(Throwable error) {
        return error instanceof ConnectionSocket.ViolationException violation ? violation.reason() : CloseReason.RESET;
    }

    private long now() {
        return timers.now(TimeUnit.NANOSECONDS);
    }
}
