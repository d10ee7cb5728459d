package org.pushgate.gateway.hub;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;

import org.pushgate.gateway.protocol.OutboundFrame;
import org.pushgate.gateway.support.Fields;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * One subscriber's bounded outbound buffer: a serialized unicast sink over a {@link BoundedFrameQueue}.
 * Every connection owns exactly one; the hub only holds references to it while the connection is
 * subscribed. Frames leave through {@link #frames()}, which the connection's pipeline consumes; when that
 * pipeline cancels, the sink refuses further frames ({@code FAIL_CANCELLED}) and the queue is cleared.
 *
 * <p>Several channels may publish into one buffer at the same time. The serialized sink rejects a
 * concurrent emit with {@code FAIL_NON_SERIALIZED}. The window it guards is short and bounded: one queue
 * offer plus a drain of at most the downstream's outstanding demand, which the connection pipeline keeps at
 * one frame (merge prefetch 1). So the losing publisher retries at once, without a deadline and without
 * parking, and never loses the frame; each such wait is counted ({@link HubEvents#contended()}).
 */
public final class SubscriberBuffer {

    /** The outcome of one offer, as the hub counts it. */
    public enum Offer { TAKEN, REFUSED, CLOSED }

    private final BoundedFrameQueue queue;
    private final Sinks.Many<OutboundFrame> sink;
    private final OverflowPolicy policy;
    private final Runnable onSlowConsumer;
    private final HubEvents events;
    private static final VarHandle CUT = Fields.handle(MethodHandles.lookup(), "cut", boolean.class);


    private volatile boolean cut; // a VarHandle rather than an AtomicBoolean: one object fewer per connection
    private final Executor executor;

    /**
     * @param onSlowConsumer run once, on the publishing thread, when the {@link OverflowPolicy#DISCONNECT}
     *                       policy cuts this subscriber; it must only signal (not do) the close
     */
    public SubscriberBuffer(int capacity, OverflowPolicy policy, Runnable onSlowConsumer, HubEvents events) {
        this(capacity, policy, onSlowConsumer, events, null);
    }

    /**
     * @param executor the thread that writes this subscriber's socket (its event loop), on which the hub offers
     *                 it frames; null to be offered to on the publisher's thread
     */
    public SubscriberBuffer(int capacity, OverflowPolicy policy, Runnable onSlowConsumer, HubEvents events,
                            Executor executor) {
        this.executor = executor;
        this.queue = new BoundedFrameQueue(capacity, policy);
        this.sink = Sinks.many().unicast().onBackpressureBuffer(queue);
        this.policy = policy;
        this.onSlowConsumer = onSlowConsumer;
        this.events = events;
    }

    public Flux<OutboundFrame> frames() {
        return sink.asFlux();
    }

    public int depth() {
        return queue.size();
    }

    public boolean wasCut() {
        return cut;
    }

    public Offer offer(OutboundFrame frame) {
        if (cut) {
            return Offer.CLOSED;
        }
        boolean waited = false;
        while (true) {
            Sinks.EmitResult result = sink.tryEmitNext(frame);
            switch (result) {
                case OK -> {
                    if (waited) {
                        events.contended();
                    }
                    int evicted = queue.takeEvicted();
                    for (int i = 0; i < evicted; i++) {
                        events.dropped(HubEvents.DropReason.DROP_OLDEST);
                    }
                    int depth = queue.size();
                    if (depth > 0) {
                        // Only frames that wait are recorded: a frame the writer took at once costs no meter
                        // update (a histogram shared by every event loop, touched 50,000 times a second).
                        events.bufferDepth(depth);
                    }
                    return Offer.TAKEN;
                }
                case FAIL_NON_SERIALIZED -> {
                    // Another publisher is inside this sink right now; its critical section is bounded
                    // (see the class comment), so retry rather than lose the frame.
                    waited = true;
                }
                case FAIL_OVERFLOW, FAIL_ZERO_SUBSCRIBER -> {
                    if (!queue.full()) {
                        return Offer.CLOSED; // zero subscriber and not full cannot happen for unicast; be safe
                    }
                    return overflow();
                }
                default -> {
                    // FAIL_CANCELLED / FAIL_TERMINATED: the connection is going away; its release removes it.
                    return Offer.CLOSED;
                }
            }
        }
    }

    private Offer overflow() {
        // Only DISCONNECT reaches here: DROP_OLDEST always makes room.
        if (CUT.compareAndSet(this, false, true)) {
            events.dropped(HubEvents.DropReason.SLOW_CONSUMER);
            onSlowConsumer.run();
        }
        return Offer.REFUSED;
    }

    /** The thread the hub offers frames on (null: the publisher's). */
    public Executor executor() {
        return executor;
    }

    public OverflowPolicy policy() {
        return policy;
    }
}
