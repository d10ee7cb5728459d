package org.pushgate.gateway.connection;

import java.util.concurrent.atomic.AtomicLongFieldUpdater;

import org.pushgate.gateway.protocol.OutboundFrame;
import org.pushgate.gateway.protocol.ServerFrames;
import org.reactivestreams.Subscription;

import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * One connection's keep-alive: its place in its loop's {@link KeepAliveWheel}, and the source of its heartbeat
 * and ping frames in the pipeline's outbound merge. The connection owns it from {@link Connection#open} and its
 * {@link Connection#terminate} releases it, whichever way the socket ended; the registration is made when the
 * outbound subscribes (the wheel starts the rounds from then, as a timer subscription did).
 *
 * <ul>
 *   <li>a socket that answers pings, with equal heartbeat and liveness intervals (the default): one round per
 *       interval, a {@link ServerFrames#HEARTBEAT_PING} (both frames in one write and one flush), then a liveness
 *       check at the timeout;</li>
 *   <li>with unequal intervals: heartbeats and pings in a lane each, at their own intervals;</li>
 *   <li>a socket that cannot answer pings (SSE): heartbeats only, never cut for silence.</li>
 * </ul>
 * A round's frame goes out only if the outbound asked for one (it asks for the next as the writer takes each):
 * while the socket cannot take it the frame is dropped, never queued, never an error, and never in the subscriber
 * buffer (so it evicts nothing and is not counted as a message).
 *
 * <p>The liveness check has the semantics the timer pipeline had: if no frame at all has arrived since the writer
 * took the ping, the connection is closed as {@link CloseReason#LIVENESS_TIMEOUT} once the timeout has passed
 * since then; a ping the writer never took counts from the round. A ping taken late is checked again at its own
 * deadline (one one-off timer, only on that slow path). While a check is pending, a new round sends its frames but
 * does not restart the deadline (an answer to either ping answers the older).
 */
final class KeepAlive extends Flux<OutboundFrame> implements Subscription {

    private static final AtomicLongFieldUpdater<KeepAlive> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(KeepAlive.class, "requested");

    private final Connection connection;
    private final KeepAliveWheel wheel;
    private final OutboundFrame probeFrame; // null when the socket gets no pings
    private final KeepAliveWheel.Link probe; // in the wheel's ping lane; null without pings
    private final KeepAliveWheel.Link beat; // in the heartbeat lane; null when the ping round carries the heartbeat
    private final KeepAliveWheel.Link check; // in the check lane while a ping's deadline is pending
    private volatile CoreSubscriber<? super OutboundFrame> out;
    private volatile long requested;
    // Loop only:
    private boolean started;
    private boolean released;
    private long checkTickAt;

    KeepAlive(Connection connection, KeepAliveWheel wheel, boolean answersPings) {
        this.connection = connection;
        this.wheel = wheel;
        if (!answersPings) {
            // No pong can come back: a liveness probe would cut every such peer.
            probeFrame = null;
            probe = null;
            check = null;
            beat = new KeepAliveWheel.Link(this);
        }
        else if (wheel.heartbeatNanos == wheel.probeNanos) {
            probeFrame = ServerFrames.HEARTBEAT_PING;
            probe = new KeepAliveWheel.Link(this);
            check = new KeepAliveWheel.Link(this);
            beat = null;
        }
        else {
            probeFrame = ServerFrames.PING;
            probe = new KeepAliveWheel.Link(this);
            check = new KeepAliveWheel.Link(this);
            beat = new KeepAliveWheel.Link(this);
        }
    }

    /** The timers this keep-alive counts for in {@code gateway_connection_timers_active}: one per lane it ticks in. */
    private int timers() {
        return (probe != null ? 1 : 0) + (beat != null ? 1 : 0);
    }

    @Override
    public void subscribe(CoreSubscriber<? super OutboundFrame> actual) {
        out = actual;
        actual.onSubscribe(this);
        wheel.onLoop(this::start);
    }

    /** Joins the wheel's lanes; the first round falls due one interval from now. Loop only. */
    private void start() {
        if (started || released) {
            return; // released before the outbound subscribed (a connection closed at once): nothing to join
        }
        started = true;
        long now = wheel.now();
        if (probe != null) {
            wheel.probes.append(probe, now + wheel.probeNanos);
        }
        if (beat != null) {
            wheel.heartbeats.append(beat, now + wheel.heartbeatNanos);
        }
        wheel.counted.addAndGet(timers());
        wheel.arm();
    }

    /**
     * Leaves the wheel, from any thread (hopping onto the loop); idempotent. {@link Connection#terminate} calls it:
     * after this the wheel holds nothing of the connection and no frame or check of it runs.
     */
    void release() {
        out = null;
        wheel.onLoop(this::leave);
    }

    private void leave() {
        if (released) {
            return;
        }
        released = true;
        if (!started) {
            return;
        }
        if (probe != null) {
            wheel.probes.remove(probe);
            wheel.checks.remove(check);
        }
        if (beat != null) {
            wheel.heartbeats.remove(beat);
        }
        wheel.counted.addAndGet(-timers());
    }

    /** A ping round (with the heartbeat when the intervals are equal). Loop only. */
    void probe(long now) {
        emit(probeFrame);
        if (!check.linked) {
            checkTickAt = now;
            wheel.checks.append(check, now + wheel.timeoutNanos);
        }
    }

    /** A heartbeat round of its own. Loop only. */
    void heartbeat() {
        emit(ServerFrames.HEARTBEAT);
    }

    /** The pending ping's deadline, from its round. Loop only. */
    void check(long now) {
        long tickAt = checkTickAt;
        long sent = connection.pingSentNanos();
        long since = sent != Long.MIN_VALUE && sent - tickAt >= 0 ? sent : tickAt;
        if (connection.lastInboundNanos() - since >= 0) {
            return; // the peer spoke since the ping went (or was due to go)
        }
        long remaining = since + wheel.timeoutNanos - now;
        if (remaining <= 0) {
            connection.close(CloseReason.LIVENESS_TIMEOUT);
            return;
        }
        // The writer took the ping late (a busy gateway): the peer gets its whole timeout from then.
        wheel.later(remaining, () -> {
            if (!released && connection.lastInboundNanos() - since < 0) {
                connection.close(CloseReason.LIVENESS_TIMEOUT);
            }
        });
    }

    /** Passes the frame on if the outbound asked for one; drops it otherwise. Loop only. */
    private void emit(OutboundFrame frame) {
        CoreSubscriber<? super OutboundFrame> s = out;
        if (s == null) {
            return;
        }
        for (long r = requested; r > 0; r = requested) {
            if (r == Long.MAX_VALUE || REQUESTED.compareAndSet(this, r, r - 1)) {
                s.onNext(frame);
                return;
            }
        }
        // Not asked for: the socket has not taken the previous frame yet. Dropped, like a missed timer tick.
    }

    @Override
    public void request(long n) {
        if (Operators.validate(n)) {
            Operators.addCap(REQUESTED, this, n);
        }
    }

    /** The outbound ended (the close signal): no frame goes out any more; the registration ends with terminate. */
    @Override
    public void cancel() {
        out = null;
    }
}
