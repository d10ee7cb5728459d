package org.pushgate.gateway.connection;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.auth.Identity;
import org.pushgate.gateway.broker.History;
import org.pushgate.gateway.broker.StreamPosition;
import org.pushgate.gateway.hub.HubEvents;
import org.pushgate.gateway.hub.SubscriberBuffer;
import org.pushgate.gateway.hub.SubscriberOwner;
import org.pushgate.gateway.protocol.ClientCommand;
import org.pushgate.gateway.protocol.ClientProtocol;
import org.pushgate.gateway.protocol.OutboundFrame;
import org.pushgate.gateway.protocol.ServerFrames;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import tools.jackson.databind.JsonNode;

/**
 * One client connection, and the one owner of everything it acquires:
 * <ul>
 *   <li>its admission ticket (the connection slot, taken before the upgrade and handed over here);</li>
 *   <li>its registry entry;</li>
 *   <li>its subscriber buffer (the sink and the frames and bytes queued in it);</li>
 *   <li>its hub subscriptions;</li>
 *   <li>its keep-alive: its place in its event loop's {@link KeepAliveWheel} (heartbeats, pings, the liveness
 *       deadline), released by {@link #terminate};</li>
 *   <li>its auth-deadline timer and its outbound subscription, which exist only inside the pipeline's outbound Flux
 *       and end when the close signal ends that Flux.</li>
 * </ul>
 * Every ending, whatever the transport (the pipeline's termination by complete, error or cancel; the auditor's
 * {@link #reclaim()}; shutdown, which only asks to {@link #close}), funnels into the one ordered, idempotent
 * {@link #terminate}. A transport adds no release path: it hands a {@link ConnectionSocket} and a ticket to
 * {@link ConnectionPipeline#serve}, and nothing else.
 */
public final class Connection implements SubscriberOwner {

    private static final VarHandle REASON;
    private static final VarHandle TERMINATED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            REASON = lookup.findVarHandle(Connection.class, "reason", CloseReason.class);
            TERMINATED = lookup.findVarHandle(Connection.class, "terminated", boolean.class);
        }
        catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The result of a subscribe request. */
    public enum SubscribeResult { SUBSCRIBED, ALREADY_SUBSCRIBED, LIMIT_REACHED, CLOSED }

    private final long id;
    private final ConnectionSocket socket;
    private final Admission.Ticket ticket;
    private final NodeResources node;
    private final ClientProtocol protocol;
    private final String remoteAddress;
    private final long openedAtMillis;
    private final SubscriberBuffer buffer;
    private final KeepAlive keepAlive;
    private final Sinks.One<CloseReason> closeSignal = Sinks.one();
    // Plain volatile fields with VarHandles rather than Atomic* objects: two objects fewer per connection.
    private volatile CloseReason reason;
    private volatile boolean terminated;
    private Set<String> channels; // guarded by this; made on the first subscribe (an idle connection has none)
    private boolean subscriptionsClosed; // guarded by this
    private volatile long lastInboundNanos;
    private volatile long pingSentNanos = Long.MIN_VALUE;
    // Authentication state: written by the connection's serialized command processing, read by anyone.
    private volatile Identity identity;
    private volatile List<ClientCommand> pendingChannels = List.of();
    private volatile boolean authenticated;
    private final Sinks.Many<AuthDeadline> authDeadlines; // null when no authentication is required
    // Command rate limit (token bucket): touched only by the serialized command processing.
    private double commandTokens;
    private long commandRefillNanos;
    private int rateViolations;
    private volatile long lastInboundMillis;

    private Connection(long id, ConnectionSocket socket, Admission.Ticket ticket, long nowNanos, NodeResources node,
                       ClientProtocol protocol, KeepAliveWheel.Loops keepAlives) {
        this.id = id;
        this.socket = socket;
        this.ticket = ticket;
        this.node = node;
        this.protocol = protocol;
        this.remoteAddress = socket.remoteAddress();
        this.openedAtMillis = System.currentTimeMillis();
        this.lastInboundNanos = nowNanos;
        this.lastInboundMillis = openedAtMillis;
        this.buffer = new SubscriberBuffer(node.buffers(), this, socket.executor());
        this.keepAlive = new KeepAlive(this, keepAlives.of(socket.executor()), socket.answersPings());
        boolean authRequired = node.auth().required();
        this.authDeadlines = authRequired ? Sinks.many().replay().latest() : null;
        this.authenticated = !authRequired;
        this.commandTokens = node.settings().commandBurst();
        this.commandRefillNanos = nowNanos;
    }

    /**
     * Acquires what a connection holds from its first moment: the ticket (already taken by the transport) and the
     * registry entry. Called inside the pipeline's {@code usingWhen}, so its termination always reaches
     * {@link #terminate}.
     */
    static Connection open(ConnectionSocket socket, Admission.Ticket ticket, long nowNanos, NodeResources node,
                           ClientProtocol protocol, KeepAliveWheel.Loops keepAlives) {
        Connection connection = new Connection(node.registry().nextId(), socket, ticket, nowNanos, node, protocol,
                keepAlives);
        // The registry closes it at once if shutdown already asked everyone to close (see ConnectionRegistry.add).
        node.registry().add(connection);
        return connection;
    }

    /** Called by its buffer, once, when it cuts this subscriber: only signals the close. */
    @Override
    public void cut(HubEvents.DropReason why) {
        close(why == HubEvents.DropReason.OUTBOUND_MEMORY ? CloseReason.OUTBOUND_MEMORY : CloseReason.SLOW_CONSUMER);
    }

    /**
     * Called by its buffer, on its loop, when this node saw a gap in the channel's offsets: the client's position
     * there means nothing now. The server ends the subscription and says so; the client subscribes again with
     * {@code since} and recovers what it missed, or learns it cannot.
     */
    @Override
    public void insufficientState(String channel) {
        if (unsubscribe(channel)) {
            buffer.mute(channel); // a fan-out queued before the unsubscribe may still offer this channel's next message
            buffer.offer(protocol.insufficientState(channel));
        }
    }

    /** Runs the task on this connection's loop (the buffer's one producer) and completes after it. */
    Mono<Void> onLoop(Runnable task) {
        return Mono.create(done -> {
            try {
                socket.executor().execute(() -> {
                    task.run();
                    done.success();
                });
            }
            catch (RejectedExecutionException shuttingDown) {
                done.success(); // the loop is gone and this connection with it
            }
        });
    }

    /**
     * Completes a subscribe on this connection's loop, once the stream was read: the reply with the stream's
     * position, the recovered messages when the client asked and every one of them is there (never a part), then
     * the live messages held back meanwhile that the reply and recovery do not already cover.
     *
     * @param since null for a fresh subscribe
     */
    void completeSubscribe(String channel, JsonNode id, ClientCommand.Since since, History history) {
        synchronized (this) {
            if (subscriptionsClosed || channels == null || !channels.contains(channel)) {
                buffer.forget(channel); // unsubscribed or terminated meanwhile
                return;
            }
        }
        StreamPosition top = history.top();
        boolean recovered = since != null && history.continuousFrom(since.offset(), since.epoch());
        List<OutboundFrame> first = protocol.subscribed(channel, id, since, recovered, history);
        if (recovered && !fits(first)) {
            first = protocol.subscribed(channel, id, since, false, history);
        }
        // Live messages at or below top are covered (by recovery) or before this subscription (a fresh one).
        buffer.release(channel, first, top.offset());
    }

    /**
     * Whether a recovery's frames (the reply and the missed messages, as this protocol writes them) fit in the outbound
     * buffer behind what it holds now. One that does not answers {@code recovered:false}: sent anyway it would
     * overflow the buffer and cut the client as a slow consumer, which would reconnect and ask for the same again, for
     * as long as history keeps those messages.
     */
    private boolean fits(List<OutboundFrame> frames) {
        long bytes = 0;
        for (OutboundFrame frame : frames) {
            bytes += frame.payload().length;
        }
        return buffer.hasRoomFor(frames.size(), bytes);
    }

    /** A subscribe whose stream could not be read: undone, so that the client may simply try again. On the loop. */
    void abandonSubscribe(String channel) {
        unsubscribe(channel);
        buffer.forget(channel);
    }

    /**
     * The one release path, ordered and idempotent: the pipeline's termination calls it (complete, error or
     * cancel), and so does the auditor's {@link #reclaim()}. Late calls find it done and do nothing.
     *
     * @param fallback the reason to record if nothing closed the connection before (a cancelled pipeline)
     * @return true for the call that released everything
     */
    boolean terminate(CloseReason fallback) {
        // 1. The close reason first, so that the reason counted is the one that won. Its signal also ends the
        //    outbound Flux if it still runs (a reclaim), and with it the auth deadline and the sink's subscription.
        close(fallback);
        if (!TERMINATED.compareAndSet(this, false, true)) {
            return false;
        }
        // 1b. The keep-alive leaves its loop's wheel (on the loop; a hop from elsewhere): no heartbeat, ping or
        //     liveness check of this connection runs after that, whichever way the socket ended.
        keepAlive.release();
        // 2. The hub forgets the buffer: after this no publisher offers to it. Under this connection's lock, so a
        //    subscribe racing with the end is refused (CLOSED) rather than resurrecting a subscription.
        List<String> subscribed;
        synchronized (this) {
            subscriptionsClosed = true;
            subscribed = channels == null ? List.of() : new ArrayList<>(channels);
            channels = null;
        }
        for (String channel : subscribed) {
            node.hub().unsubscribe(channel, buffer);
        }
        // 3. The registry entry, then 4. the admission slot, in this order: the connection count never shows a
        //    slot free while the connection is still listed, and neither goes before the hub let go (2).
        node.registry().remove(this);
        ticket.release();
        // 5. Counted last: whoever sees the disconnect counted sees everything above released.
        node.events().disconnected(reason);
        return true;
    }

    /**
     * For the auditor only: a connection whose socket is gone while its pipeline still holds it. Closes it as
     * {@link CloseReason#ORPHANED} (which also ends a stuck pipeline) and releases everything now.
     *
     * @return true when this call did the release, so the auditor counts it
     */
    public boolean reclaim() {
        boolean reasonWon = close(CloseReason.ORPHANED);
        boolean releasedHere = terminate(CloseReason.ORPHANED);
        return reasonWon || releasedHere;
    }

    /** A point at which the connection closes unless (re)authenticated: the connect timeout, then token expiry. */
    record AuthDeadline(java.time.Duration after, CloseReason reason) { }

    public long id() {
        return id;
    }

    public String remoteAddress() {
        return remoteAddress;
    }

    public long openedAtMillis() {
        return openedAtMillis;
    }

    public long lastInboundMillis() {
        return lastInboundMillis;
    }

    public int bufferDepth() {
        return buffer.depth();
    }

    /** The buffer this connection owns; the auditor compares the hub's subscribers against these. */
    public SubscriberBuffer buffer() {
        return buffer;
    }

    /** The source of this connection's heartbeats and pings, for the pipeline's outbound merge. */
    Flux<OutboundFrame> keepAlive() {
        return keepAlive;
    }

    /** Queues a reply (or any frame) from any thread, in order with the messages around it. */
    void send(OutboundFrame frame) {
        // The result needs no handling: a refused frame means the connection is being cut or closed.
        buffer.post(frame);
    }

    /** Whether the peer can answer pings (a WebSocket) or not (an SSE stream): sweeps and liveness skip the latter. */
    public boolean answersPings() {
        return socket.answersPings();
    }

    /** Whether the socket underneath is still open. */
    public boolean socketOpen() {
        return socket.isOpen();
    }

    /**
     * Asks the pipeline to end with this reason. The first reason wins; later calls return false and change
     * nothing, so every close path may call it without coordination.
     */
    public boolean close(CloseReason why) {
        if (!REASON.compareAndSet(this, null, why)) {
            return false;
        }
        // Cannot fail: only the winner of the compare-and-set above ever emits.
        closeSignal.tryEmitValue(why);
        return true;
    }

    /** Emits the winning close reason once the connection is asked to close. */
    public Mono<CloseReason> closed() {
        return closeSignal.asMono();
    }

    /** The winning close reason, or null while open. */
    public CloseReason closeReason() {
        return reason;
    }

    /**
     * Queues a ping now (an on-demand liveness probe). It travels through the connection's own buffer, so a
     * peer that is not reading does not answer it either.
     */
    public void probe() {
        // A refused ping means the buffer is full or closed: the peer will fail the probe, as it should.
        buffer.post(ServerFrames.PING);
    }

    /** The client protocol this connection speaks (its endpoint's). */
    public ClientProtocol protocol() {
        return protocol;
    }

    public Identity identity() {
        return identity;
    }

    public boolean authenticated() {
        return authenticated;
    }

    List<ClientCommand> pendingChannels() {
        return pendingChannels;
    }

    void pendingChannels(List<ClientCommand> channels) {
        this.pendingChannels = channels;
    }

    void authenticate(Identity who) {
        this.identity = who;
        this.authenticated = true;
    }

    /** Deadlines in force; empty when no authentication is required. */
    Flux<AuthDeadline> authDeadlines() {
        return authDeadlines == null ? Flux.empty() : authDeadlines.asFlux();
    }

    void deadline(AuthDeadline deadline) {
        if (authDeadlines != null) {
            // Emitted only from the connection's serialized command processing: never concurrent.
            authDeadlines.tryEmitNext(deadline);
        }
    }

    /**
     * Takes one command token.
     *
     * @return 0 when allowed, otherwise how many commands in a row were refused
     */
    int takeCommandToken(long nowNanos, int perSecond, int burst) {
        double refill = (nowNanos - commandRefillNanos) / 1e9 * perSecond;
        commandRefillNanos = nowNanos;
        commandTokens = Math.min(burst, commandTokens + refill);
        if (commandTokens >= burst) {
            rateViolations = 0; // the client calmed down long enough for a full bucket
        }
        if (commandTokens >= 1) {
            commandTokens -= 1;
            return 0;
        }
        return ++rateViolations;
    }

    void touch(long nowNanos) {
        lastInboundNanos = nowNanos;
        lastInboundMillis = System.currentTimeMillis();
    }

    public long lastInboundNanos() {
        return lastInboundNanos;
    }

    /** Called when the socket's writer takes a liveness ping: the liveness timeout runs from here. */
    void pingSent(long nowNanos) {
        pingSentNanos = nowNanos;
    }

    long pingSentNanos() {
        return pingSentNanos;
    }

    public SubscribeResult subscribe(String channel) {
        synchronized (this) {
            if (subscriptionsClosed) {
                return SubscribeResult.CLOSED;
            }
            if (channels == null) {
                channels = new LinkedHashSet<>(4);
            }
            if (channels.contains(channel)) {
                return SubscribeResult.ALREADY_SUBSCRIBED;
            }
            if (channels.size() >= node.settings().maxSubscriptions()) {
                return SubscribeResult.LIMIT_REACHED;
            }
            channels.add(channel);
            // Live messages wait until the subscribe's reply and recovery are out (completeSubscribe): held before
            // joining the hub, so none can slip past them. Under this connection's lock so that terminate() cannot
            // run between the check and the add.
            buffer.hold(channel);
            node.hub().subscribe(channel, buffer);
            return SubscribeResult.SUBSCRIBED;
        }
    }

    public boolean unsubscribe(String channel) {
        synchronized (this) {
            if (subscriptionsClosed || channels == null || !channels.remove(channel)) {
                return false;
            }
            node.hub().unsubscribe(channel, buffer);
            buffer.forget(channel);
            return true;
        }
    }

    public synchronized List<String> channels() {
        return channels == null ? new ArrayList<>() : new ArrayList<>(channels);
    }

    public synchronized int subscriptionCount() {
        return channels == null ? 0 : channels.size();
    }

    /** Whether {@link #terminate} has run. */
    public boolean isReleased() {
        return terminated;
    }
}
