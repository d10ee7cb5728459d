package org.pushgate.gateway.connection;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.pushgate.gateway.auth.Identity;
import org.pushgate.gateway.hub.Hub;
import org.pushgate.gateway.hub.HubEvents;
import org.pushgate.gateway.hub.SubscriberBuffer;
import org.pushgate.gateway.support.Fields;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The state of one live socket: its outbound buffer, its channel subscriptions, its close signal.
 *
 * <p>Owned by the connection pipeline ({@link ConnectionHandler}), which creates it when the socket opens
 * and calls {@link #release()} exactly when the pipeline terminates (complete, error or cancel). After
 * release nothing of it is left in the hub or the registry, and a late subscribe is refused, so a
 * command racing with the close cannot resurrect a subscription.
 */
public final class Connection {

    private static final VarHandle REASON = Fields.handle(MethodHandles.lookup(), "reason", CloseReason.class);
    private static final VarHandle RELEASED = Fields.handle(MethodHandles.lookup(), "released", boolean.class);


    /** The result of a subscribe request. */
    public enum SubscribeResult { SUBSCRIBED, ALREADY_SUBSCRIBED, LIMIT_REACHED, CLOSED }

    private final long id;
    private final ConnectionSocket socket;
    private final Runnable onRelease;
    private final String remoteAddress;
    private final long openedAtMillis;
    private final Hub hub;
    private final SubscriberBuffer buffer;
    private final int maxSubscriptions;
    private final Sinks.One<CloseReason> closeSignal = Sinks.one();
    // Plain volatile fields with VarHandles rather than Atomic* objects: two objects fewer per connection.
    private volatile CloseReason reason;
    private volatile boolean released;
    private Set<String> channels; // guarded by this; made on the first subscribe (an idle connection has none)
    private boolean subscriptionsClosed; // guarded by this
    private volatile long lastInboundNanos;
    private volatile long pingSentNanos = Long.MIN_VALUE;
    // Authentication state: written by the connection's serialized command processing, read by anyone.
    private volatile Identity identity;
    private volatile List<String> pendingChannels = List.of();
    private volatile boolean authenticated;
    private final Sinks.Many<AuthDeadline> authDeadlines; // null when no authentication is required
    // Command rate limit (token bucket): touched only by the serialized command processing.
    private double commandTokens;
    private long commandRefillNanos;
    private int rateViolations;
    private volatile long lastInboundMillis;

    Connection(long id, ConnectionSocket socket, Runnable onRelease, long nowNanos, Hub hub, ConnectionSettings settings,
               HubEvents events, boolean authRequired) {
        this.id = id;
        this.socket = socket;
        this.onRelease = onRelease;
        this.remoteAddress = socket.remoteAddress();
        this.openedAtMillis = System.currentTimeMillis();
        this.hub = hub;
        this.maxSubscriptions = settings.maxSubscriptions();
        this.lastInboundNanos = nowNanos;
        this.lastInboundMillis = openedAtMillis;
        this.buffer = new SubscriberBuffer(settings.bufferSize(), settings.overflow(),
                () -> close(CloseReason.SLOW_CONSUMER), events, socket.executor());
        this.authDeadlines = authRequired ? Sinks.many().replay().latest() : null;
        this.authenticated = !authRequired;
        this.commandTokens = settings.commandBurst();
        this.commandRefillNanos = nowNanos;
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

    /** Whether the socket underneath is still open. */
    public boolean socketOpen() {
        return socket.isOpen();
    }

    Runnable onRelease() {
        return onRelease;
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
        buffer.offer(org.pushgate.gateway.protocol.ServerFrames.PING);
    }

    public Identity identity() {
        return identity;
    }

    public boolean authenticated() {
        return authenticated;
    }

    List<String> pendingChannels() {
        return pendingChannels;
    }

    void pendingChannels(List<String> channels) {
        this.pendingChannels = channels;
    }

    void authenticate(Identity who) {
        this.identity = who;
        this.authenticated = true;
    }

    /** Deadlines in force; empty when no authentication is required. */
    reactor.core.publisher.Flux<AuthDeadline> authDeadlines() {
        return authDeadlines == null ? reactor.core.publisher.Flux.empty() : authDeadlines.asFlux();
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
            if (channels.size() >= maxSubscriptions) {
                return SubscribeResult.LIMIT_REACHED;
            }
            channels.add(channel);
            // Under this connection's lock so that release() cannot run between the check and the add.
            hub.subscribe(channel, buffer);
            return SubscribeResult.SUBSCRIBED;
        }
    }

    public boolean unsubscribe(String channel) {
        synchronized (this) {
            if (subscriptionsClosed || channels == null || !channels.remove(channel)) {
                return false;
            }
            hub.unsubscribe(channel, buffer);
            return true;
        }
    }

    public synchronized List<String> channels() {
        return channels == null ? new ArrayList<>() : new ArrayList<>(channels);
    }

    public synchronized int subscriptionCount() {
        return channels == null ? 0 : channels.size();
    }

    /**
     * Removes every hub subscription and refuses new ones. Called by the pipeline's termination only.
     *
     * @return true the first time, false afterwards
     */
    boolean release() {
        if (!RELEASED.compareAndSet(this, false, true)) {
            return false;
        }
        List<String> toRemove;
        synchronized (this) {
            subscriptionsClosed = true;
            toRemove = channels == null ? List.of() : new ArrayList<>(channels);
            channels = null;
        }
        for (String channel : toRemove) {
            hub.unsubscribe(channel, buffer);
        }
        return true;
    }

    public boolean isReleased() {
        return released;
    }
}
