package org.pushgate.gateway.hub;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.pushgate.gateway.protocol.OutboundFrame;
import org.pushgate.gateway.protocol.ServerFrames;

import reactor.core.publisher.Sinks;

/**
 * One channel: its subscribers and its publish queue.
 *
 * <p>Deliveries never block each other: each enqueues its message and whoever finds the channel idle drains
 * the queue for everyone (the work-in-progress pattern Reactor's own operators use), so frames are fanned out
 * in the order the broker handed them over (offset order) and every subscriber sees that one order. The channel
 * remembers the last position it fanned out: a message that does not follow it reveals a gap, and every
 * subscriber is told its state is insufficient rather than shown a silent hole.
 *
 * <p>Subscribers are kept in groups, one per thread that serves their sockets (a Netty event loop; see
 * {@link SubscriberBuffer#executor()}). A fan-out hands each group one task on its own loop, which offers the
 * frame to the group's buffers there: the loops share the fan-out (it runs on all cores, not on the
 * publisher's), and every buffer is offered to on the thread that writes its socket, so the frame goes to
 * the socket at once instead of crossing threads once per subscriber. Each loop runs its tasks in order, so
 * every subscriber still sees the channel's messages in offset order, and each buffer keeps exactly one
 * producer.
 *
 * <p>Joining and leaving cost O(1) amortized, whatever the channel's size. Membership (who is subscribed, how
 * many) is an identity map changed and read only under the hub map's per-key lock, so the answers of subscribe and
 * unsubscribe, the count, and the first and last subscriber's node (un)subscribe stay exact. What a fan-out reads is
 * each group's array of {@link Slot}s, which only the group's own executor changes: a join appends its slot there,
 * a leave swap-removes it (the last slot moves into the hole and its index follows), both as tasks that the key's
 * lock submits, so each loop runs a subscription's join before its leave and before every fan-out submitted after
 * the join returned. A fan-out task runs on that same loop and reads the array without a lock, without a copy and
 * without allocating per subscriber. The group list itself (a few executors) stays copy-on-write. The publish queue
 * holds at most one entry per in-flight publish request, each of which waits for its answer, so it is bounded by
 * the number of concurrent publishers.
 */
final class Channel {

    private static final Group[] NO_GROUPS = new Group[0];
    private static final SubscriberBuffer[] NO_MEMBERS = new SubscriberBuffer[0];

    /** From this many subscribers on, a message's wire encoding is made once and shared (see OutboundFrame). */
    static final int SHARE_WIRE_FROM = 4;

    /** A message to fan out (data != null), or a position to catch up to (data == null: see catchUp). */
    private record Pending(String epoch, long offset, byte[] data, Sinks.One<Integer> result) { }

    /** One subscription: its buffer and where it sits in its group's array (-1 while not placed, or after leaving). */
    private static final class Slot {
        final SubscriberBuffer buffer;
        final Group group;
        int index = -1; // on the group's executor only

        Slot(SubscriberBuffer buffer, Group group) {
            this.buffer = buffer;
            this.group = group;
        }
    }

    /**
     * The subscribers served by one executor. Its {@code slots} and {@code size} belong to the executor: only tasks on
     * it touch them, the fan-out's among them, so they need no lock and no copy. An executor must run its tasks one at
     * a time, in order, and defer a task submitted from inside a running one (as event loops do), so that a leave
     * never reorders the array under a fan-out that is walking it.
     */
    private static final class Group {
        private static final int MIN_CAPACITY = 4;

        final Executor executor;
        private Slot[] slots = new Slot[MIN_CAPACITY];
        private int size;

        Group(Executor executor) {
            this.executor = executor;
        }

        /** On the executor. */
        void place(Slot slot) {
            if (size == slots.length) {
                slots = Arrays.copyOf(slots, size * 2);
            }
            slot.index = size;
            slots[size++] = slot;
        }

        /** On the executor: the last slot fills the hole, so the array stays dense; it shrinks when a quarter full. */
        void displace(Slot slot) {
            int at = slot.index;
            if (at < 0) {
                return;
            }
            slot.index = -1;
            Slot last = slots[--size];
            slots[size] = null;
            if (last != slot) {
                slots[at] = last;
                last.index = at;
            }
            if (slots.length > MIN_CAPACITY && size <= slots.length / 4) {
                slots = Arrays.copyOf(slots, Math.max(MIN_CAPACITY, slots.length / 2));
            }
        }
    }

    final String name;
    private volatile Group[] groups = NO_GROUPS;
    // Membership, under the hub's key lock only. Identity, because a buffer is one subscriber whatever its equals.
    private final IdentityHashMap<SubscriberBuffer, Slot> members = new IdentityHashMap<>(2);
    private volatile int size; // members.size(), readable without the lock
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();
    // The stream position this node last fanned out, touched only by the draining thread: a message that does not
    // follow it (a hole, a new epoch) reveals that this node missed something, and subscribers are told.
    private String lastEpoch;
    private long lastOffset;
    // The highest offset this node received as a message (not learned from a catch-up) under deliveredEpoch. The
    // broker hands one channel's messages over in offset order, once each, so a message at or below it under the
    // same epoch means the stream handed that offset out twice: it lost writes (see lostWrites). A message at or
    // below lastOffset but above this is the harmless repeat of a position a catch-up already announced.
    private String deliveredEpoch;
    private long delivered;
    private final HubEvents events;
    private final java.util.function.Consumer<String> lostWrites;

    Channel(String name, HubEvents events) {
        this(name, events, epoch -> { });
    }

    /** @param lostWrites told the epoch of a stream that handed out an offset twice (NodeSubscriptions#lostWrites) */
    Channel(String name, HubEvents events, java.util.function.Consumer<String> lostWrites) {
        this.name = name;
        this.events = events;
        this.lostWrites = lostWrites;
    }

    /** Fans out a message at the offset the broker assigned; calls for one channel come in offset order. */
    void deliver(String epoch, long offset, byte[] data, Sinks.One<Integer> result) {
        enqueue(new Pending(epoch, offset, data, result));
    }

    /**
     * The broker says the stream is at this position (after a reconnect, say): if this node has not fanned out up
     * to it, its subscribers missed messages and are told.
     */
    void catchUp(String epoch, long offset) {
        enqueue(new Pending(epoch, offset, null, null));
    }

    private void enqueue(Pending next) {
        pending.offer(next);
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            Pending p;
            while ((p = pending.poll()) != null) {
                if (p.data() == null) {
                    if (lastEpoch != null && (!lastEpoch.equals(p.epoch()) || p.offset() > lastOffset)) {
                        tellInsufficient(p.epoch(), p.offset());
                    }
                }
                else if (lastEpoch == null || (lastEpoch.equals(p.epoch()) && p.offset() == lastOffset + 1)) {
                    fanOut(p.epoch(), p.offset(), p.data(), p.result());
                }
                else if (lastEpoch.equals(p.epoch()) && p.offset() <= lastOffset) {
                    if (p.epoch().equals(deliveredEpoch) && p.offset() <= delivered) {
                        // The offset was already received as a message: the stream reuses offsets under this epoch.
                        // Dropped here; the broker moves the stream to a new epoch and then tells the subscribers
                        // (a catch-up at the new epoch), so that no recovery with this epoch succeeds any more.
                        lostWrites.accept(p.epoch());
                    }
                    emit(p.result(), 0); // already fanned out (or announced by a catch-up): nothing to do
                }
                else {
                    tellInsufficient(p.epoch(), p.offset());
                    received(p.epoch(), p.offset());
                    emit(p.result(), 0);
                }
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    /** A hole or a new epoch: every subscriber here is told, and the channel starts again from this position. */
    private void tellInsufficient(String epoch, long offset) {
        lastEpoch = epoch;
        lastOffset = offset;
        for (Group group : groups) {
            try {
                group.executor.execute(() -> {
                    // An owner told here may leave the channel: its leave is a later task, this walk sees no change.
                    for (int i = 0, end = group.size; i < end; i++) {
                        group.slots[i].buffer.insufficientState(name);
                    }
                });
            }
            catch (RejectedExecutionException shuttingDown) {
                // The loop is gone and its sockets with it.
            }
        }
    }

    private void received(String epoch, long offset) {
        deliveredEpoch = epoch;
        delivered = offset;
    }

    private void fanOut(String epoch, long offset, byte[] data, Sinks.One<Integer> result) {
        lastEpoch = epoch;
        lastOffset = offset;
        received(epoch, offset);
        Group[] targets = groups;
        OutboundFrame frame = ServerFrames.message(name, offset, data);
        if (size >= SHARE_WIRE_FROM) {
            frame.shareWire();
        }
        FanOut fanOut = new FanOut(targets.length, result);
        for (Group group : targets) {
            try {
                group.executor.execute(() -> fanOut.offer(group, frame));
            }
            catch (RejectedExecutionException shuttingDown) {
                // The loop is gone and its sockets with it. Offering here instead would make this thread a second
                // producer into their sinks; the group simply took nothing.
                fanOut.took(0);
            }
        }
        if (targets.length == 0) {
            events.published(name, 0);
            emit(result, 0);
        }
    }

    /** One message's fan-out over the groups; the publisher learns the count when the last group is done. */
    private final class FanOut {
        private final AtomicInteger groupsLeft;
        private final AtomicInteger taken = new AtomicInteger();
        private final Sinks.One<Integer> result;

        FanOut(int groups, Sinks.One<Integer> result) {
            this.groupsLeft = new AtomicInteger(groups);
            this.result = result;
        }

        /** On the group's executor, which alone changes its slots: a plain walk, no lock, no copy. */
        void offer(Group group, OutboundFrame frame) {
            Slot[] slots = group.slots;
            int n = 0;
            for (int i = 0, end = group.size; i < end; i++) {
                if (slots[i].buffer.offer(frame) == SubscriberBuffer.Offer.TAKEN) {
                    n++;
                }
            }
            took(n);
        }

        void took(int n) {
            taken.addAndGet(n);
            // Every group adds before it counts itself done, so the last one to finish reads the full count.
            if (groupsLeft.decrementAndGet() == 0) {
                int total = taken.get();
                events.published(name, total);
                emit(result, total);
            }
        }
    }

    private static void emit(Sinks.One<Integer> result, int reached) {
        // One emitter per result (the drainer, or the last group of its fan-out): it cannot fail.
        result.tryEmitValue(reached);
    }

    // The methods below run under ConcurrentHashMap.compute for this channel's key. Each submits its change of the
    // group's array to the group's executor while it holds that lock, so one loop receives a subscription's join and
    // leave in the order the lock gave them.

    boolean add(SubscriberBuffer s) {
        if (members.containsKey(s)) {
            return false;
        }
        Group group = groupOf(s.executor());
        Slot slot = new Slot(s, group);
        members.put(s, slot);
        size = members.size();
        try {
            group.executor.execute(() -> group.place(slot));
        }
        catch (RejectedExecutionException shuttingDown) {
            // The loop is gone and its socket with it: the subscription stays counted until its connection leaves.
        }
        return true;
    }

    boolean remove(SubscriberBuffer s) {
        Slot slot = members.remove(s);
        if (slot == null) {
            return false;
        }
        size = members.size();
        // An emptied group stays listed while the channel lives (at most one per loop; its fan-out tasks find
        // nothing): a join on that loop finds it again, and the channel goes with its last member anyway.
        try {
            slot.group.executor.execute(() -> slot.group.displace(slot));
        }
        catch (RejectedExecutionException shuttingDown) {
            // The loop is gone: nothing runs there any more, fan-outs included.
        }
        return true;
    }

    private Group groupOf(Executor executor) {
        Group[] current = groups;
        int index = indexOf(current, executor);
        if (index >= 0) {
            return current[index];
        }
        Group created = new Group(executor);
        Group[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = created;
        groups = next;
        return created;
    }

    private static int indexOf(Group[] groups, Executor executor) {
        for (int i = 0; i < groups.length; i++) {
            if (groups[i].executor == executor) {
                return i;
            }
        }
        return -1;
    }

    /** A snapshot of the subscribers, for the auditor; under the key's lock like add and remove. */
    SubscriberBuffer[] subscribers() {
        return members.keySet().toArray(NO_MEMBERS);
    }

    int size() {
        return size;
    }
}
