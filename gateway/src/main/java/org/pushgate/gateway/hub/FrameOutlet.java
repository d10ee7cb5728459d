package org.pushgate.gateway.hub;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

import org.pushgate.gateway.protocol.OutboundFrame;
import org.reactivestreams.Subscription;

import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * A subscriber buffer's one way out: a publisher for exactly one subscriber (the connection's outbound) that hands
 * a frame straight to it when it has asked for one and nothing waits, and queues it in a {@link BoundedFrameQueue}
 * otherwise. It replaces {@code Sinks.many().unicast().onBackpressureBuffer(queue)}, through which every
 * delivery went into the queue and straight back out: a queue node, a dozen atomic updates of the queue's counts
 * and of the process-wide {@link OutboundBudget} (a counter every event loop writes), for a frame nobody had to
 * keep (docs/benchmarks.md 10i). Only a frame that has to wait is queued, counted and fenced.
 *
 * <ul>
 *   <li>Order: a frame goes straight out only while the queue is empty and no drain runs (the work-in-progress
 *       counter is taken), so it can never pass a frame queued before it.</li>
 *   <li>The queue is made on the first frame that has to wait: an idle or keeping-up connection has none.</li>
 *   <li>Before anyone subscribes, frames wait in the queue, within its bounds.</li>
 *   <li>Cancel: every later {@link #emit} is refused ({@link Emit#CANCELLED}) and the queue is cleared, its bytes
 *       given back to the fence, by whichever drain runs next (the cancel's own, or the emit's that follows its
 *       offer), so no frame stays behind a cancelled subscriber.</li>
 * </ul>
 * {@link #emit} has one caller at a time, the buffer's executor; {@link #request} and {@link #cancel} may come from
 * any thread. All deliveries are serialized by the drain.
 */
final class FrameOutlet extends Flux<OutboundFrame> implements Subscription {

    /** What became of one frame. */
    enum Emit { SENT, QUEUED, FULL, CANCELLED }

    private static final VarHandle WIP;
    private static final AtomicLongFieldUpdater<FrameOutlet> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(FrameOutlet.class, "requested");
    private static final VarHandle SUBSCRIBED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            WIP = lookup.findVarHandle(FrameOutlet.class, "wip", int.class);
            SUBSCRIBED = lookup.findVarHandle(FrameOutlet.class, "subscribed", boolean.class);
        }
        catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final BufferSettings settings;
    private volatile BoundedFrameQueue queue; // made by the producer on the first frame that waits, then kept
    private volatile CoreSubscriber<? super OutboundFrame> actual; // null before the subscribe and after a cancel
    private volatile boolean subscribed;
    private volatile boolean cancelled;
    private volatile int wip;
    private volatile long requested;

    FrameOutlet(BufferSettings settings) {
        this.settings = settings;
    }

    @Override
    public void subscribe(CoreSubscriber<? super OutboundFrame> subscriber) {
        if (!SUBSCRIBED.compareAndSet(this, false, true)) {
            Operators.error(subscriber, new IllegalStateException("a subscriber buffer takes one subscriber"));
            return;
        }
        subscriber.onSubscribe(this);
        if (!cancelled) {
            actual = subscriber;
        }
        drain();
    }

    /**
     * One frame from the producer. {@link Emit#SENT}: the subscriber has it; {@link Emit#QUEUED}: it waits (check
     * {@link #depth}); {@link Emit#FULL}: the queue's bounds and policy refused it.
     */
    Emit emit(OutboundFrame frame) {
        if (cancelled) {
            return Emit.CANCELLED;
        }
        BoundedFrameQueue waiting = queue;
        CoreSubscriber<? super OutboundFrame> to = actual;
        if (to != null && (waiting == null || waiting.size() == 0) && requested != 0
                && WIP.compareAndSet(this, 0, 1)) {
            // Nothing waits and nothing drains: straight to the subscriber. The demand seen above is still there: only
            // a drain that delivers takes it, and with the queue empty (only this producer adds to it) none could.
            if (cancelled) {
                loop(1); // clears and lets go of the subscriber
                return Emit.CANCELLED;
            }
            if (requested != Long.MAX_VALUE) {
                REQUESTED.decrementAndGet(this);
            }
            to.onNext(frame);
            int missed = (int) WIP.getAndAdd(this, -1) - 1;
            if (missed != 0) {
                loop(missed); // asked, cancelled or queued meanwhile (a reentrant emit): see to it now
            }
            return Emit.SENT;
        }
        Emit queued = enqueue(frame);
        drain();
        return queued;
    }

    private Emit enqueue(OutboundFrame frame) {
        BoundedFrameQueue waiting = queue;
        if (waiting == null) {
            waiting = new BoundedFrameQueue(settings);
            queue = waiting;
        }
        return waiting.offer(frame) ? Emit.QUEUED : Emit.FULL;
    }

    /** Frames waiting now. */
    int depth() {
        BoundedFrameQueue waiting = queue;
        return waiting == null ? 0 : waiting.size();
    }

    /** Payload bytes waiting now. */
    long queuedBytes() {
        BoundedFrameQueue waiting = queue;
        return waiting == null ? 0 : waiting.bytes();
    }

    /** Evictions of the last offer that queued (drop-oldest); called by the producer right after it. */
    int takeEvicted() {
        BoundedFrameQueue waiting = queue;
        return waiting == null ? 0 : waiting.takeEvicted();
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

    private void drain() {
        if ((int) WIP.getAndAdd(this, 1) == 0) {
            loop(1);
        }
    }

    /** The drain loop, entered holding {@code missed} units of the work-in-progress counter. */
    private void loop(int missed) {
        for (;;) {
            BoundedFrameQueue waiting = queue;
            CoreSubscriber<? super OutboundFrame> to = actual;
            if (!cancelled && to != null && waiting != null) {
                long wanted = requested;
                long given = 0;
                while (given != wanted && !cancelled) {
                    OutboundFrame frame = waiting.poll();
                    if (frame == null) {
                        break;
                    }
                    to.onNext(frame);
                    given++;
                }
                if (given != 0 && wanted != Long.MAX_VALUE) {
                    REQUESTED.addAndGet(this, -given);
                }
            }
            if (cancelled) {
                actual = null;
                if (waiting != null) {
                    waiting.clear(); // each frame's bytes back to the buffer's and the process's counts
                }
            }
            missed = (int) WIP.getAndAdd(this, -missed) - missed;
            if (missed == 0) {
                return;
            }
        }
    }
}
