package org.pushgate.gateway.connection;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.LongSupplier;

import org.pushgate.gateway.protocol.OutboundFrame;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;

import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * One connection's outbound frames as one publisher: its buffer's frames, its keep-alive frames and (when clients
 * authenticate) its auth deadlines, merged, each source one frame ahead at most, and cut by the connection's close
 * signal. It does what {@code Flux.merge(1, ...).takeUntilOther(closed).doOnNext(count)} did, in one object and a
 * lane per source instead of about a dozen operators and subscribers per connection (docs/benchmarks.md, gateway
 * issue 6(b)), with one hop per frame instead of four.
 *
 * <ul>
 *   <li>Demand: each lane asks its source for one frame and holds it until the writer asks for the next (a
 *       keep-alive frame offered without demand is dropped by its source, as it was under merge); a frame taken from
 *       a lane asks that lane's source for the next.</li>
 *   <li>Order: within a lane, as the source emits; a keep-alive frame waiting goes before the next message, so a
 *       round's ping is never stuck behind a backlog the writer has not asked for yet.</li>
 *   <li>The close signal (a value, or its completion) cancels every source and completes the writer; a source's
 *       error cancels the others and the close subscription and fails the writer; the writer's cancel cancels all.
 *       In every case each source is cancelled once, and its held frame dropped.</li>
 *   <li>Counting, as each frame goes to the writer: a message counts as delivered, a ping starts the liveness
 *       timeout ({@link Connection#pingSent}).</li>
 * </ul>
 * Signals are serialized by one drain loop (a work-in-progress counter): sources emit on the connection's loop,
 * the close signal may come from any thread.
 */
final class Outbound extends Flux<OutboundFrame> implements Subscription {

    private static final AtomicIntegerFieldUpdater<Outbound> WIP =
            AtomicIntegerFieldUpdater.newUpdater(Outbound.class, "wip");
    private static final AtomicLongFieldUpdater<Outbound> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(Outbound.class, "requested");

    private final Connection connection;
    private final ConnectionEvents events;
    private final LongSupplier nanoClock;
    private final Lane keepAlive;
    private final Lane messages;
    private final Lane deadlines; // null when clients do not authenticate
    private final Lane close;
    private CoreSubscriber<? super OutboundFrame> actual;
    private volatile int wip;
    private volatile long requested;
    private volatile boolean closed; // the close signal came
    private volatile boolean cancelled; // the writer cancelled
    private volatile Throwable error; // a source failed
    private boolean done; // drain loop only: the writer was given its terminal signal, or cancelled

    /**
     * @param deadlines null when clients do not authenticate; its values are ignored (it closes the connection
     *                  itself), it is only cancelled with the rest
     */
    Outbound(Connection connection, Publisher<OutboundFrame> messages, Publisher<OutboundFrame> keepAlive,
             Publisher<?> deadlines, ConnectionEvents events, LongSupplier nanoClock) {
        this.connection = connection;
        this.events = events;
        this.nanoClock = nanoClock;
        this.messages = new Lane(this, messages);
        this.keepAlive = new Lane(this, keepAlive);
        this.deadlines = deadlines == null ? null : new Lane(this, deadlines);
        this.close = new Lane(this, connection.closed());
    }

    @Override
    public void subscribe(CoreSubscriber<? super OutboundFrame> subscriber) {
        if (actual != null) {
            Operators.error(subscriber, new IllegalStateException("a connection's outbound takes one subscriber"));
            return;
        }
        actual = subscriber;
        subscriber.onSubscribe(this);
        // The close signal first (as takeUntilOther did): a connection already closed never subscribes its sources.
        close.start();
        if (closed || cancelled) {
            drain();
            return;
        }
        messages.start();
        keepAlive.start();
        if (deadlines != null) {
            deadlines.start();
        }
    }

    @Override
    public void request(long n) {
        if (Operators.validate(n)) {
            Operators.addCap(REQUESTED, this, n);
            drain();
        }
    }

    @Override
    public void cancel() {
        cancelled = true;
        drain();
    }

    /** Frames waiting in the lanes now (at most one per lane); for tests. */
    int held() {
        return (messages.held != null ? 1 : 0) + (keepAlive.held != null ? 1 : 0);
    }

    /** Whether every source and the close subscription were cancelled (or never subscribed); for tests. */
    boolean released() {
        return messages.subscription == Operators.cancelledSubscription()
                && keepAlive.subscription == Operators.cancelledSubscription()
                && close.subscription == Operators.cancelledSubscription()
                && (deadlines == null || deadlines.subscription == Operators.cancelledSubscription());
    }

    private void drain() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        int missed = 1;
        do {
            if (!done) {
                step();
            }
            missed = WIP.addAndGet(this, -missed);
        } while (missed != 0);
    }

    /** One pass of the drain loop: the terminal signals first, then as many frames as were asked for. */
    private void step() {
        if (cancelled) {
            done = true;
            releaseAll();
            return;
        }
        Throwable failed = error;
        if (failed != null) {
            done = true;
            releaseAll();
            actual.onError(failed);
            return;
        }
        if (closed) {
            done = true;
            releaseAll();
            actual.onComplete();
            return;
        }
        long wanted = requested;
        long given = 0;
        while (given != wanted) {
            OutboundFrame frame = keepAlive.take();
            Lane from = keepAlive;
            if (frame == null) {
                frame = messages.take();
                from = messages;
            }
            if (frame == null) {
                break;
            }
            count(frame);
            actual.onNext(frame);
            given++;
            if (cancelled || closed || error != null) {
                break; // the writer failed or cancelled on this frame, or the close came meanwhile: next pass
            }
            from.requestOne();
        }
        if (given != 0 && wanted != Long.MAX_VALUE) {
            REQUESTED.addAndGet(this, -given);
        }
        if (!cancelled && !closed && error == null && messages.finished() && keepAlive.finished()
                && (deadlines == null || deadlines.finished())) {
            // Every source completed (none does while the connection lives; merge completed here too).
            done = true;
            releaseAll();
            actual.onComplete();
        }
    }

    private void releaseAll() {
        messages.cancel();
        keepAlive.cancel();
        if (deadlines != null) {
            deadlines.cancel();
        }
        close.cancel();
    }

    private void count(OutboundFrame frame) {
        OutboundFrame.Kind kind = frame.kind();
        if (kind == OutboundFrame.Kind.MESSAGE) {
            events.delivered();
        }
        else if (kind == OutboundFrame.Kind.PING || kind == OutboundFrame.Kind.HEARTBEAT_PING) {
            connection.pingSent(nanoClock.getAsLong());
        }
    }

    /** One source's subscriber: holds at most one of its frames (or, for the close signal, only notes it). */
    private static final class Lane implements CoreSubscriber<Object> {

        private static final AtomicReferenceFieldUpdater<Lane, Subscription> SUBSCRIPTION =
                AtomicReferenceFieldUpdater.newUpdater(Lane.class, Subscription.class, "subscription");

        private final Outbound parent;
        private Publisher<?> source; // until subscribed: the lane keeps no reference to it after
        volatile Subscription subscription;
        volatile OutboundFrame held;
        volatile boolean completed;

        Lane(Outbound parent, Publisher<?> source) {
            this.parent = parent;
            this.source = source;
        }

        void start() {
            Publisher<?> from = source;
            source = null;
            from.subscribe(this);
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.setOnce(SUBSCRIPTION, this, s)) {
                // A frame lane holds one frame at most; the close signal and the deadlines are taken as they come.
                s.request(this == parent.messages || this == parent.keepAlive ? 1 : Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(Object value) {
            if (this == parent.close) {
                parent.closed = true;
            }
            else if (this == parent.deadlines) {
                return; // a deadline closes the connection itself; nothing to send
            }
            else {
                held = (OutboundFrame) value;
            }
            parent.drain();
        }

        @Override
        public void onError(Throwable failure) {
            if (parent.error == null) {
                parent.error = failure;
            }
            parent.drain();
        }

        @Override
        public void onComplete() {
            if (this == parent.close) {
                parent.closed = true; // as takeUntilOther: the other's completion ends the main too
            }
            completed = true;
            parent.drain();
        }

        OutboundFrame take() {
            OutboundFrame value = held;
            if (value != null) {
                held = null;
            }
            return value;
        }

        void requestOne() {
            Subscription s = subscription;
            if (s != null && s != Operators.cancelledSubscription()) {
                s.request(1);
            }
        }

        boolean finished() {
            return completed && held == null;
        }

        void cancel() {
            held = null;
            Operators.terminate(SUBSCRIPTION, this);
        }
    }
}
