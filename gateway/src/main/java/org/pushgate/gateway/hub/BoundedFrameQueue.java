package org.pushgate.gateway.hub;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractQueue;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.pushgate.gateway.protocol.OutboundFrame;

/**
 * The bounded queue of one subscriber's frames that have to wait (see {@link FrameOutlet}), bounded in frames and
 * in payload bytes (a frame shared by many buffers counts in each: each keeps it alive). It grows node by node, so
 * a connection whose frames wait costs no preallocated array, and reports every byte it holds to the process-wide
 * {@link OutboundBudget}.
 *
 * <p>Offers come from one producer, the subscriber's own thread (see {@link SubscriberBuffer}); the outlet's drain
 * polls concurrently, which the lock-free delegate allows. The counts can only shrink behind the producer's
 * back, so its bound check cannot be overshot. Under {@link OverflowPolicy#DROP_OLDEST} a full queue evicts its
 * oldest messages, never a reply (a {@code subscribed} or an {@code error} is an answer the client waits for),
 * until the new frame fits; a queue that holds nothing evictable refuses it.
 */
final class BoundedFrameQueue extends AbstractQueue<OutboundFrame> {

    private static final VarHandle SIZE;
    private static final VarHandle BYTES;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SIZE = lookup.findVarHandle(BoundedFrameQueue.class, "size", int.class);
            BYTES = lookup.findVarHandle(BoundedFrameQueue.class, "bytes", long.class);
        }
        catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ConcurrentLinkedQueue<OutboundFrame> frames = new ConcurrentLinkedQueue<>();
    private final BufferSettings settings;
    // VarHandles rather than AtomicInteger/AtomicLong objects: two objects fewer per connection.
    private volatile int size;
    private volatile long bytes;
    private int evicted; // written by the single producer only, read by it after offer

    BoundedFrameQueue(BufferSettings settings) {
        this.settings = settings;
    }

    @Override
    public boolean offer(OutboundFrame frame) {
        int length = frame.payload().length;
        if (!fits(length) && (settings.policy() != OverflowPolicy.DROP_OLDEST || !evictFor(length))) {
            return false;
        }
        frames.offer(frame);
        SIZE.getAndAdd(this, 1);
        BYTES.getAndAdd(this, (long) length);
        settings.budget().add(length);
        return true;
    }

    private boolean fits(int length) {
        int n = size;
        return n == 0 || (n < settings.maxFrames() && bytes + length <= settings.maxBytes());
    }

    /** Evicts the oldest messages until a frame of this length fits; false when no message is left to evict. */
    private boolean evictFor(int length) {
        Iterator<OutboundFrame> oldestFirst = frames.iterator();
        while (!fits(length)) {
            OutboundFrame victim = null;
            while (oldestFirst.hasNext()) {
                OutboundFrame candidate = oldestFirst.next();
                if (candidate.kind() == OutboundFrame.Kind.MESSAGE) {
                    victim = candidate;
                    break;
                }
            }
            if (victim == null) {
                return false;
            }
            // The drain may take the same frame at the same moment: only the one whose removal wins counts it.
            if (frames.remove(victim)) {
                taken(victim);
                evicted++;
            }
        }
        return true;
    }

    private void taken(OutboundFrame frame) {
        int length = frame.payload().length;
        SIZE.getAndAdd(this, -1);
        BYTES.getAndAdd(this, (long) -length);
        settings.budget().remove(length);
    }

    /** Evictions since the last call; called by the producer right after its offer. */
    int takeEvicted() {
        int n = evicted;
        evicted = 0;
        return n;
    }

    long bytes() {
        return bytes;
    }

    @Override
    public OutboundFrame poll() {
        OutboundFrame frame = frames.poll();
        if (frame != null) {
            taken(frame);
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
