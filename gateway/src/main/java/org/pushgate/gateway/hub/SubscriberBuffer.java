package org.pushgate.gateway.hub;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import org.pushgate.gateway.protocol.OutboundFrame;

import io.netty.util.concurrent.EventExecutor;
import reactor.core.publisher.Flux;

/**
 * One subscriber's bounded outbound buffer: a {@link FrameOutlet} that hands each frame straight to the connection
 * when it is asked for one, and otherwise queues it in a {@link BoundedFrameQueue}, bounded in frames and bytes. Every connection owns exactly one; the hub only holds references to it while the connection is
 * subscribed. Frames leave through {@link #frames()}, which the connection's pipeline consumes; when that
 * pipeline cancels, the buffer refuses further frames and the queue is cleared.
 *
 * <p>The buffer has exactly one producer: the buffer's executor, the event loop that writes its socket. The hub's
 * fan-out already runs there ({@link #offer}); anything else (a reply after an asynchronous token check, an
 * admin probe) goes through {@link #post}, which hops onto that executor. So no two emits ever meet and frames
 * leave in the order they came; an offer made on another thread of an event loop executor would be refused and
 * counted as a {@code contended} drop, the tripwire for a broken invariant.
 */
public final class SubscriberBuffer {

    /** The outcome of one offer, as the hub counts it. */
    public enum Offer { TAKEN, REFUSED, CLOSED }

    private static final VarHandle CUT;
    private static final VarHandle HELD;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            CUT = lookup.findVarHandle(SubscriberBuffer.class, "cut", boolean.class);
            HELD = lookup.findVarHandle(SubscriberBuffer.class, "held", ConcurrentHashMap.class);
        }
        catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final FrameOutlet outlet;
    private final SubscriberOwner owner;
    private final BufferSettings settings;
    private final Executor executor;
    private volatile boolean cut; // a VarHandle rather than an AtomicBoolean: one object fewer per connection
    // Channels whose live messages are held back while their subscribe reads the stream, or filtered just after
    // (see hold and release). Null while none is: an idle or steady connection pays one field. Entries are added
    // from any thread; their contents are touched only on the executor (offer, release), so those never race.
    private volatile ConcurrentHashMap<String, Hold> held;

    /** One channel's hold: frames kept back (until release), then a floor below which late frames are dropped. */
    private static final class Hold {
        ArrayDeque<OutboundFrame> frames = new ArrayDeque<>();
        long floor;
        boolean insufficient; // the node saw a gap while the subscribe read the stream: told once it is answered
    }

    /**
     * @param owner    told when the buffer cuts its subscriber or the channel's stream has a gap
     * @param executor the one thread that produces into this buffer: the event loop that writes its socket
     */
    public SubscriberBuffer(BufferSettings settings, SubscriberOwner owner, Executor executor) {
        this.outlet = new FrameOutlet(settings);
        this.owner = owner;
        this.settings = settings;
        this.executor = executor;
    }

    public Flux<OutboundFrame> frames() {
        return outlet;
    }

    public int depth() {
        return outlet.depth();
    }

    /**
     * Whether this many more frames of this many payload bytes fit within the buffer's bounds behind what it holds
     * now (a recovery's size check before it is sent); like the queue, an empty buffer takes any one frame. On the
     * executor.
     */
    public boolean hasRoomFor(int frames, long bytes) {
        int queued = outlet.depth();
        if (queued == 0 && frames == 1) {
            return true; // as the queue itself: an empty buffer always takes one frame, whatever its size
        }
        return (long) queued + frames <= settings.maxFrames() && outlet.queuedBytes() + bytes <= settings.maxBytes();
    }

    /** Payload bytes queued now. */
    public long queuedBytes() {
        return outlet.queuedBytes();
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

    /**
     * From now on, holds back this channel's messages instead of queueing them, until {@link #release} on the
     * executor. A subscribe calls it before joining the channel in the hub, so that no live message can pass the
     * reply and the recovered history that the subscribe sends first. Any thread.
     */
    public void hold(String channel) {
        ConcurrentHashMap<String, Hold> map = held;
        if (map == null) {
            HELD.compareAndSet(this, null, new ConcurrentHashMap<String, Hold>(2));
            map = held;
        }
        map.put(channel, new Hold());
    }

    /**
     * Ends the channel's hold, on the executor: queues {@code first} (the subscribe's reply and any recovered
     * messages), then the held messages above {@code floor}, in arrival (offset) order; from then on live messages
     * pass, except late ones at or below {@code floor} until the first above it arrives (with Redis the pub/sub
     * delivery of a message can trail the stream entry the subscribe's read already covered).
     *
     * @param floor the offset the subscriber holds once {@code first} is out; 0 to filter nothing
     */
    public void release(String channel, List<OutboundFrame> first, long floor) {
        ConcurrentHashMap<String, Hold> map = held;
        Hold hold = map == null ? null : map.get(channel);
        ArrayDeque<OutboundFrame> frames = hold == null ? null : hold.frames;
        if (frames == null) {
            return; // not held (forgotten meanwhile: the subscription ended)
        }
        hold.frames = null;
        hold.floor = floor;
        if (floor <= 0) {
            map.remove(channel, hold);
        }
        for (OutboundFrame frame : first) {
            emit(frame);
        }
        if (hold.insufficient) {
            // The read may predate the gap: the held messages are not sent, the subscriber is told and resubscribes
            // with since from the position the reply gave it.
            insufficientState(channel);
            return;
        }
        for (OutboundFrame frame : frames) {
            if (frame.offset() > floor) {
                emit(frame);
            }
        }
    }

    /**
     * Drops every message of this channel until the next {@link #hold} (the subscriber was told its state there is
     * insufficient and unsubscribed: a fan-out already queued on this loop must not slip a later message past that).
     * On the executor.
     */
    public void mute(String channel) {
        hold(channel);
        release(channel, List.of(), Long.MAX_VALUE);
    }

    /** Forgets the channel's hold, whatever its state (the subscription ended). Any thread. */
    public void forget(String channel) {
        ConcurrentHashMap<String, Hold> map = held;
        if (map != null) {
            map.remove(channel);
        }
    }

    /** Queues a frame; call on the buffer's executor only (the hub's fan-out runs there). */
    public Offer offer(OutboundFrame frame) {
        if (cut) {
            return Offer.CLOSED;
        }
        ConcurrentHashMap<String, Hold> map = held;
        // isEmpty first: the map stays once made, and a lookup per delivery in every subscriber's own map (a hash,
        // a table, cache misses) was ~6% of a large fan-out's CPU (docs/benchmarks.md 10g) for holds long gone.
        if (map != null && frame.channel() != null && !map.isEmpty()) {
            Hold hold = map.get(frame.channel());
            if (hold != null) {
                if (hold.frames != null) {
                    if (hold.frames.size() >= settings.maxFrames()) {
                        cut(HubEvents.DropReason.SLOW_CONSUMER); // a subscribe whose read never ends must not hoard
                        return Offer.REFUSED;
                    }
                    hold.frames.add(frame);
                    return Offer.TAKEN;
                }
                if (frame.offset() <= hold.floor) {
                    return Offer.TAKEN; // already sent by the subscribe's reply or recovery: not a second time
                }
                map.remove(frame.channel(), hold); // past the floor: from here on every frame passes
            }
        }
        return emit(frame);
    }

    private Offer emit(OutboundFrame frame) {
        if (cut) {
            return Offer.CLOSED;
        }
        if (executor instanceof EventExecutor loop && !loop.inEventLoop()) {
            // A second producer (see the class comment): refused and counted rather than raced.
            settings.events().dropped(HubEvents.DropReason.CONTENDED);
            return Offer.REFUSED;
        }
        switch (outlet.emit(frame)) {
            case SENT -> {
                return Offer.TAKEN; // the writer took it at once: no queue, no count, no meter
            }
            case QUEUED -> {
                int evicted = outlet.takeEvicted();
                for (int i = 0; i < evicted; i++) {
                    settings.events().dropped(HubEvents.DropReason.DROP_OLDEST);
                }
                int depth = outlet.depth();
                if (depth > 0) {
                    // Only frames that wait are recorded (a histogram shared by every event loop).
                    settings.events().bufferDepth(depth);
                }
                return Offer.TAKEN;
            }
            case FULL -> {
                // The queue refused the frame: full in frames or bytes, and the policy could not make room. The
                // subscriber is too slow (or, before it subscribed, nobody consumed at all).
                cut(HubEvents.DropReason.SLOW_CONSUMER);
                return Offer.REFUSED;
            }
            default -> {
                // CANCELLED: the connection is going away and its terminate removes it from the hub.
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
        settings.events().dropped(reason);
        owner.cut(reason);
        return true;
    }

    /**
     * The channel's stream has a gap here: tell the owner instead of offering; if the channel's subscribe is still
     * reading the stream, once it is answered. On the executor only.
     */
    void insufficientState(String channel) {
        if (cut) {
            return;
        }
        ConcurrentHashMap<String, Hold> map = held;
        Hold hold = map == null ? null : map.get(channel);
        if (hold != null && hold.frames != null) {
            // A subscribe is reading the stream: it is answered first (the client waits for the reply to its id),
            // then told, in release. Telling the owner now would end the subscription and drop that reply.
            hold.insufficient = true;
            return;
        }
        owner.insufficientState(channel);
    }
}
