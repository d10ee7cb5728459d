package org.pushgate.gateway.hub;

import java.util.Arrays;
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
 * <p>The groups are copy-on-write arrays, changed only under the hub map's per-key lock. The publish queue
 * holds at most one entry per in-flight publish request, each of which waits for its answer, so it is bounded
 * by the number of concurrent publishers.
 */
final class Channel {

    private static final Group[] NO_GROUPS = new Group[0];
    private static final SubscriberBuffer[] NO_MEMBERS = new SubscriberBuffer[0];

    /** From this many subscribers on, a message's wire encoding is made once and shared (see OutboundFrame). */
    static final int SHARE_WIRE_FROM = 4;

    /** A message to fan out (data != null), or a position to catch up to (data == null: see catchUp). */
    private record Pending(String epoch, long offset, byte[] data, Sinks.One<Integer> result) { }

    /** The subscribers served by one executor. */
    private record Group(Executor executor, SubscriberBuffer[] members) { }

    final String name;
    private volatile Group[] groups = NO_GROUPS;
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();
    // The stream position this node last fanned out, touched only by the draining thread: a message that does not
    // follow it (a hole, a new epoch) reveals that this node missed something, and subscribers are told.
    private String lastEpoch;
    private long lastOffset;
    private final HubEvents events;

    Channel(String name, HubEvents events) {
        this.name = name;
        this.events = events;
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
                    emit(p.result(), 0); // already fanned out (a duplicate delivery): nothing to do
                }
                else {
                    tellInsufficient(p.epoch(), p.offset());
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
                group.executor().execute(() -> {
                    for (SubscriberBuffer member : group.members()) {
                        member.insufficientState(name);
                    }
                });
            }
            catch (RejectedExecutionException shuttingDown) {
                // The loop is gone and its sockets with it.
            }
        }
    }

    private void fanOut(String epoch, long offset, byte[] data, Sinks.One<Integer> result) {
        lastEpoch = epoch;
        lastOffset = offset;
        Group[] targets = groups;
        OutboundFrame frame = ServerFrames.message(name, offset, data);
        if (count(targets) >= SHARE_WIRE_FROM) {
            frame.shareWire();
        }
        FanOut fanOut = new FanOut(targets.length, result);
        for (Group group : targets) {
            try {
                group.executor().execute(() -> fanOut.offer(group.members(), frame));
            }
            catch (RejectedExecutionException shuttingDown) {
                // The loop is gone and its sockets with it. Offering here instead would make this thread a second
                // producer into their sinks; the group simply took nothing.
                fanOut.offer(NO_MEMBERS, frame);
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

        void offer(SubscriberBuffer[] members, OutboundFrame frame) {
            int n = 0;
            for (SubscriberBuffer target : members) {
                if (target.offer(frame) == SubscriberBuffer.Offer.TAKEN) {
                    n++;
                }
            }
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

    // The methods below run under ConcurrentHashMap.compute for this channel's key.

    boolean add(SubscriberBuffer s) {
        Group[] current = groups;
        int index = indexOf(current, s.executor());
        if (index < 0) {
            Group[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = new Group(s.executor(), new SubscriberBuffer[] {s});
            groups = next;
            return true;
        }
        SubscriberBuffer[] members = current[index].members();
        for (SubscriberBuffer existing : members) {
            if (existing == s) {
                return false;
            }
        }
        SubscriberBuffer[] grown = Arrays.copyOf(members, members.length + 1);
        grown[members.length] = s;
        Group[] next = current.clone();
        next[index] = new Group(s.executor(), grown);
        groups = next;
        return true;
    }

    boolean remove(SubscriberBuffer s) {
        Group[] current = groups;
        int index = indexOf(current, s.executor());
        if (index < 0) {
            return false;
        }
        SubscriberBuffer[] members = current[index].members();
        for (int i = 0; i < members.length; i++) {
            if (members[i] == s) {
                Group[] next;
                if (members.length == 1) {
                    next = new Group[current.length - 1];
                    System.arraycopy(current, 0, next, 0, index);
                    System.arraycopy(current, index + 1, next, index, current.length - index - 1);
                }
                else {
                    SubscriberBuffer[] shrunk = new SubscriberBuffer[members.length - 1];
                    System.arraycopy(members, 0, shrunk, 0, i);
                    System.arraycopy(members, i + 1, shrunk, i, members.length - i - 1);
                    next = current.clone();
                    next[index] = new Group(s.executor(), shrunk);
                }
                groups = next;
                return true;
            }
        }
        return false;
    }

    private static int indexOf(Group[] groups, Executor executor) {
        for (int i = 0; i < groups.length; i++) {
            if (groups[i].executor() == executor) {
                return i;
            }
        }
        return -1;
    }

    /** A snapshot of the subscribers, for the auditor. */
    SubscriberBuffer[] subscribers() {
        Group[] current = groups;
        SubscriberBuffer[] all = new SubscriberBuffer[count(current)];
        int at = 0;
        for (Group group : current) {
            System.arraycopy(group.members(), 0, all, at, group.members().length);
            at += group.members().length;
        }
        return all;
    }

    int size() {
        return count(groups);
    }

    private static int count(Group[] groups) {
        int n = 0;
        for (Group group : groups) {
            n += group.members().length;
        }
        return n;
    }
}
