package org.pushgate.gateway.connection;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.util.concurrent.EventExecutor;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * The keep-alive timer of one event loop: every connection whose socket this loop writes gets its heartbeats, its
 * liveness pings and its liveness deadline from here, from one scheduled fire at a time per loop, instead of two
 * scheduled tasks and a dozen operators per connection per round (docs/benchmarks.md, gateway issue 7).
 *
 * <p>Three lanes, each a FIFO linked through the connections' own {@link Link}s: heartbeats, pings (with the
 * heartbeat folded in when both intervals are equal, the default) and pending liveness checks. Every connection of
 * a lane has the same period, so the order in which connections enter a lane is the order in which they fall due:
 * the head is always the next one, a connection that joins goes to the tail, one that is visited goes back to the
 * tail, one that leaves is unlinked where it is. Register, visit and deregister are O(1); nothing is sorted or
 * scanned. A fire visits the connections due and re-arms for the earliest head; fires are rounded up to
 * {@link #GRAIN_NANOS}, so one fire visits every connection that falls due within the same grain, and each
 * connection keeps its own phase: rounds are spread over the interval as connections came, never all at once.
 *
 * <p>All the state is touched on the loop only (registration, visits and release hop onto it), so nothing here is
 * locked, and each visit writes its connection's frames on the connection's own loop, with no hand-off. The fire
 * itself is scheduled on the connection timers' {@link Scheduler} (virtual time in tests) and hops onto the loop.
 * The wheel holds no connection that was released: {@link KeepAlive#release()} (called by
 * {@link Connection#terminate}) unlinks it, and what a wheel holds is counted in
 * {@code gateway_connection_timers_active}.
 */
final class KeepAliveWheel {

    /** Fires are rounded up to this: one fire per loop per grain at most, visiting all that fall due within it. */
    static final long GRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** One connection's place in one lane. Loop only. */
    static final class Link {
        final KeepAlive owner;
        Link prev;
        Link next;
        long due;
        boolean linked;

        Link(KeepAlive owner) {
            this.owner = owner;
        }
    }

    /** A FIFO of links whose dues never decrease from head to tail. Loop only. */
    static final class Lane {
        private Link head;
        private Link tail;
        private int size;

        /** Links at the tail, due at {@code due} or, to keep the order (a clock that stepped back), with the tail. */
        void append(Link link, long due) {
            link.due = tail != null && tail.due - due > 0 ? tail.due : due;
            link.prev = tail;
            link.next = null;
            if (tail == null) {
                head = link;
            }
            else {
                tail.next = link;
            }
            tail = link;
            link.linked = true;
            size++;
        }

        void remove(Link link) {
            if (!link.linked) {
                return;
            }
            if (link.prev == null) {
                head = link.next;
            }
            else {
                link.prev.next = link.next;
            }
            if (link.next == null) {
                tail = link.prev;
            }
            else {
                link.next.prev = link.prev;
            }
            link.prev = null;
            link.next = null;
            link.linked = false;
            size--;
        }

        /** The head if it is due at {@code now}, else null. */
        Link due(long now) {
            return head != null && head.due - now <= 0 ? head : null;
        }

        boolean isEmpty() {
            return head == null;
        }

        long headDue() {
            return head.due;
        }

        int size() {
            return size;
        }
    }

    private final Executor loop;
    private final Scheduler timers;
    final Lane heartbeats = new Lane();
    final Lane probes = new Lane();
    final Lane checks = new Lane();
    final long heartbeatNanos;
    final long probeNanos;
    final long timeoutNanos;
    final AtomicInteger counted; // the node's timer gauge
    private boolean armed; // loop only: a fire is scheduled, for fireAt
    private long fireAt;
    private Disposable fire;
    private long generation; // a fire replaced by an earlier one does nothing if it still runs

    KeepAliveWheel(Executor loop, Scheduler timers, ConnectionSettings settings, AtomicInteger counted) {
        this.loop = loop;
        this.timers = timers;
        this.heartbeatNanos = settings.heartbeatInterval().toNanos();
        this.probeNanos = settings.livenessInterval().toNanos();
        this.timeoutNanos = settings.livenessTimeout().toNanos();
        this.counted = counted;
    }

    /** The wheels of one node's pipeline: one per event loop, made on the loop's first connection, kept with it. */
    static final class Loops {
        private final ConcurrentHashMap<Executor, KeepAliveWheel> wheels = new ConcurrentHashMap<>();
        private final Scheduler timers;
        private final ConnectionSettings settings;
        private final AtomicInteger counted;

        Loops(Scheduler timers, ConnectionSettings settings, AtomicInteger counted) {
            this.timers = timers;
            this.settings = settings;
            this.counted = counted;
        }

        KeepAliveWheel of(Executor loop) {
            KeepAliveWheel wheel = wheels.get(loop);
            return wheel != null ? wheel
                    : wheels.computeIfAbsent(loop, l -> new KeepAliveWheel(l, timers, settings, counted));
        }

        /**
         * Entries of every wheel's heartbeat and ping lanes (a connection with unequal intervals has one in each), for
         * tests and diagnostics: zero once every connection terminated.
         */
        int registered() {
            int n = 0;
            for (KeepAliveWheel wheel : wheels.values()) {
                n += wheel.registeredOnLoop();
            }
            return n;
        }
    }

    long now() {
        return timers.now(TimeUnit.NANOSECONDS);
    }

    /** Runs the task on the loop: at once when already there. */
    void onLoop(Runnable task) {
        if (loop instanceof EventExecutor executor && executor.inEventLoop()) {
            task.run();
            return;
        }
        try {
            loop.execute(task);
        }
        catch (RejectedExecutionException shuttingDown) {
            // The loop is gone and its sockets with it: their pipelines end and terminate without the wheel.
        }
    }

    /** Links in the heartbeat and ping lanes (a racy read off the loop: for tests and diagnostics). */
    int registeredOnLoop() {
        return heartbeats.size() + probes.size();
    }

    /** Schedules the next fire for the earliest head, unless one as early is already scheduled. Loop only. */
    void arm() {
        Lane first = earlier(earlier(heartbeats, probes), checks);
        if (first == null) {
            return; // an armed fire finds nothing due and does not re-arm
        }
        long next = first.headDue();
        long at = Math.floorDiv(next + GRAIN_NANOS - 1, GRAIN_NANOS) * GRAIN_NANOS;
        if (armed && fireAt - at <= 0) {
            return;
        }
        if (fire != null) {
            fire.dispose();
        }
        armed = true;
        fireAt = at;
        long mine = ++generation;
        try {
            fire = timers.schedule(() -> onLoop(() -> fire(mine)), Math.max(0, at - now()), TimeUnit.NANOSECONDS);
        }
        catch (RejectedExecutionException shuttingDown) {
            armed = false; // the timers are gone (the node is stopping): its connections end without more rounds
        }
    }

    private static Lane earlier(Lane a, Lane b) {
        if (a == null || a.isEmpty()) {
            return b == null || b.isEmpty() ? null : b;
        }
        return b == null || b.isEmpty() || a.headDue() - b.headDue() <= 0 ? a : b;
    }

    /** Visits every connection due, each on this loop, then re-arms. */
    private void fire(long which) {
        if (which != generation) {
            return; // replaced by an earlier fire, which re-armed
        }
        armed = false;
        fire = null;
        long now = now();
        // Checks first: a peer whose deadline passed is cut before its next round would ping it again.
        for (Link link; (link = checks.due(now)) != null; ) {
            checks.remove(link);
            link.owner.check(now);
        }
        for (Link link; (link = probes.due(now)) != null; ) {
            probes.remove(link);
            probes.append(link, nextDue(link.due, probeNanos, now));
            link.owner.probe(now);
        }
        for (Link link; (link = heartbeats.due(now)) != null; ) {
            heartbeats.remove(link);
            heartbeats.append(link, nextDue(link.due, heartbeatNanos, now));
            link.owner.heartbeat();
        }
        arm();
    }

    /** Fixed rate from the connection's own start, as {@code Flux.interval}; a round missed by a stalled loop is skipped. */
    private static long nextDue(long due, long period, long now) {
        long next = due + period;
        return next - now > 0 ? next : now + period;
    }

    /** A one-off check later than the check lane can hold (a ping the writer took late), on the loop. */
    void later(long delayNanos, Runnable task) {
        try {
            timers.schedule(() -> onLoop(task), delayNanos, TimeUnit.NANOSECONDS);
        }
        catch (RejectedExecutionException shuttingDown) {
            // The node is stopping: its connections are being closed anyway.
        }
    }
}
