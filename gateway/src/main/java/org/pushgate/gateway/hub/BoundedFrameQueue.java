package org.pushgate.gateway.hub;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractQueue;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.pushgate.gateway.protocol.OutboundFrame;
import org.pushgate.gateway.support.Fields;

/**
 * The bounded queue behind one subscriber's unicast sink. It grows node by node (an idle connection costs
 * no preallocated array) and never holds more than {@code capacity} frames.
 *
 * <p>Offers come from one producer at a time (the serialized sink guarantees it); the sink's drain polls
 * concurrently, which the lock-free delegate allows. Because the size can only shrink behind a producer's
 * back, the capacity check cannot be overshot. With {@link OverflowPolicy#DROP_OLDEST} a full queue evicts
 * its head to make room and counts the eviction.
 */
final class BoundedFrameQueue extends AbstractQueue<OutboundFrame> {

    private final ConcurrentLinkedQueue<OutboundFrame> frames = new ConcurrentLinkedQueue<>();
    private static final VarHandle SIZE = Fields.handle(MethodHandles.lookup(), "size", int.class);


    private volatile int size; // a VarHandle rather than an AtomicInteger: one object fewer per connection
    private final int capacity;
    private final boolean dropOldest;
    private int evicted; // written by the single producer only, read by it after offer

    BoundedFrameQueue(int capacity, OverflowPolicy policy) {
        this.capacity = capacity;
        this.dropOldest = policy == OverflowPolicy.DROP_OLDEST;
    }

    @Override
    public boolean offer(OutboundFrame frame) {
        if (size >= capacity) {
            if (!dropOldest) {
                return false;
            }
            if (frames.poll() != null) {
                SIZE.getAndAdd(this, -1);
                evicted++;
            }
        }
        frames.offer(frame);
        SIZE.getAndAdd(this, 1);
        return true;
    }

    /** Evictions since the last call; called by the producer right after its offer. */
    int takeEvicted() {
        int n = evicted;
        evicted = 0;
        return n;
    }

    boolean full() {
        return size >= capacity;
    }

    @Override
    public OutboundFrame poll() {
        OutboundFrame frame = frames.poll();
        if (frame != null) {
            SIZE.getAndAdd(this, -1);
        }
        return frame;
    }

    @Override
    public OutboundFrame peek() {
        return frames.peek();
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean isEmpty() {
        return frames.isEmpty();
    }

    @Override
    public Iterator<OutboundFrame> iterator() {
        return frames.iterator();
    }
}
