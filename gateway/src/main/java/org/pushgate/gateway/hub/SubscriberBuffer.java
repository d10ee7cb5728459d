package org.pushgate.gateway.hub;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

import org.pushgate.gateway.protocol.OutboundFrame;

import io.netty.util.concurrent.EventExecutor;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * One subscriber's bounded outbound buffer: a unicast sink over a {@link BoundedFrameQueue}, bounded in frames
 * and bytes. Every connection owns exactly one; the hub only holds references to it while the connection is
 * subscribed. Frames leave through {@link #frames()}, which the connection's pipeline consumes; when that
 * pipeline cancels, the sink refuses further frames ({@code FAIL_CANCELLED}) and the queue is cleared.
 *
 * <p>The sink has exactly one producer: the buffer's executor, the event loop that writes its socket. The hub's
 * fan-out already runs there ({@link #offer}); anything else (a reply after an asynchronous token check, an
 * admin probe) goes through {@link #post}, which hops onto that executor. So no two emits ever meet in the sink
 * and nothing spins on {@code FAIL_NON_SERIALIZED}; if one ever did meet another it would be counted as a
 * {@code contended} drop, the tripwire for a broken invariant.
 */
public final class SubscriberBuffer {

    /** The outcome of one offer, as the hub counts it. */
    public enum Offer { TAKEN, REFUSED, CLOSED }

    private static final VarHandle CUT;

    static {
        try {
            CUT = MethodHandles.lookup().findVarHandle(SubscriberBuffer.class, "cut", boolean.class);
        }
        catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final BoundedFrameQueue queue;
    private final Sinks.Many<OutboundFrame> sink;
    private final Consumer<HubEvents.DropReason> onCut;
    private final HubEvents events;
    private final Executor executor;
    private volatile boolean cut; // a VarHandle rather than an AtomicBoolean: one object fewer per connection

    /**
     * @param onCut    run once when the buffer cuts its subscriber (a full buffer under the disconnect policy,
     *                 or the process-wide fence); it must only signal the close, not do it
     * @param executor the one thread that produces into this buffer: the event loop that writes its socket
     */
    public SubscriberBuffer(BufferSettings settings, Consumer<HubEvents.DropReason> onCut, Executor executor) {
        this.queue = new BoundedFrameQueue(settings);
        this.sink = Sinks.many().unicast().onBackpressureBuffer(queue);
        this.onCut = onCut;
        this.events = settings.events();
        this.executor = executor;
    }

    public Flux<OutboundFrame> frames() {
        return sink.asFlux();
    }

    public int depth() {
        return queue.size();
    }

    /** Payload bytes queued now. */
    public long queuedBytes() {
        return queue.bytes();
    }

    public boolean wasCut() {
        return cut;
    }

    /** The one thread that produces into this buffer; the hub groups subscribers by it. */
    public Executor executor() {
        return executor;
    }

    /**
     * Queues a frame from any thread, hopping onto the buffer's executor when called elsewhere. For frames whose
     * outcome nobody counts (replies, probes): a refused one means the subscriber is being cut or closed.
     */
    public void post(OutboundFrame frame) {
        if (executor instanceof EventExecutor loop && loop.inEventLoop()) {
            offer(frame);
            return;
        }
        try {
            executor.execute(() -> offer(frame));
        }
        catch (RejectedExecutionException shuttingDown) {
            // The loop is shutting down and its sockets close with it: the frame has no one left to reach.
        }
    }

    /** Queues a frame; call on the buffer's executor only (the hub's fan-out runs there). */
    public Offer offer(OutboundFrame frame) {
        if (cut) {
            return Offer.CLOSED;
        }
        switch (sink.tryEmitNext(frame)) {
            case OK -> {
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
            case FAIL_OVERFLOW, FAIL_ZERO_SUBSCRIBER -> {
                // The queue refused the frame: full in frames or bytes, and the policy could not make room. (A
                // unicast sink reports that as zero subscriber while nobody consumes yet.) The subscriber is too slow.
                cut(HubEvents.DropReason.SLOW_CONSUMER);
                return Offer.REFUSED;
            }
            case FAIL_NON_SERIALIZED -> {
                // Cannot happen with one producer (see the class comment); counted rather than retried.
                events.dropped(HubEvents.DropReason.CONTENDED);
                return Offer.REFUSED;
            }
            default -> {
                // FAIL_CANCELLED / FAIL_TERMINATED: the connection is going away and its
                // terminate removes it from the hub.
                return Offer.CLOSED;
            }
        }
    }

    /**
     * Cuts the subscriber: from now on every offer is refused, and its connection is told (once) to close.
     *
     * @return true for the call that cut it
     */
    public boolean cut(HubEvents.DropReason reason) {
        if (!CUT.compareAndSet(this, false, true)) {
            return false;
        }
        events.dropped(reason);
        onCut.accept(reason);
        return true;
    }
}
