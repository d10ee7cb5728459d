package org.pushgate.gateway.hub;

import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.pushgate.gateway.protocol.OutboundFrame;
import org.pushgate.gateway.protocol.ServerFrames;

import reactor.core.publisher.MonoSink;

/**
 * One channel: its subscribers (a copy-on-write array, changed only under the hub map's per-key lock)
 * and its publish queue. Publishers never block each other: each enqueues its message and whoever finds
 * the channel idle drains the queue for everyone (the work-in-progress pattern Reactor's own operators
 * use), so offsets are assigned and frames fanned out in one order that every subscriber sees.
 *
 * <p>The publish queue holds at most one entry per in-flight publish request, each of which waits for
 * its answer, so it is bounded by the number of concurrent publishers.
 */
final class Channel {

    private static final SubscriberBuffer[] NONE = new SubscriberBuffer[0];

    private record Pending(byte[] data, MonoSink<Integer> result) { }

    final String name;
    private volatile SubscriberBuffer[] subscribers = NONE;
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();
    private long nextOffset = 1; // touched only by the draining thread
    private final HubEvents events;

    Channel(String name, HubEvents events) {
        this.name = name;
        this.events = events;
    }

    void publish(byte[] data, MonoSink<Integer> result) {
        pending.offer(new Pending(data, result));
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            Pending p;
            while ((p = pending.poll()) != null) {
                p.result().success(fanOut(p.data()));
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private int fanOut(byte[] data) {
        SubscriberBuffer[] targets = subscribers;
        OutboundFrame frame = ServerFrames.message(name, nextOffset++, data);
        int taken = 0;
        for (SubscriberBuffer target : targets) {
            if (target.offer(frame) == SubscriberBuffer.Offer.TAKEN) {
                taken++;
            }
        }
        events.published(name, taken);
        return taken;
    }

    // The methods below run under ConcurrentHashMap.compute for this channel's key.

    boolean add(SubscriberBuffer s) {
        SubscriberBuffer[] current = subscribers;
        for (SubscriberBuffer existing : current) {
            if (existing == s) {
                return false;
            }
        }
        SubscriberBuffer[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = s;
        subscribers = next;
        return true;
    }

    boolean remove(SubscriberBuffer s) {
        SubscriberBuffer[] current = subscribers;
        for (int i = 0; i < current.length; i++) {
            if (current[i] == s) {
                if (current.length == 1) {
                    subscribers = NONE;
                } else {
                    SubscriberBuffer[] next = new SubscriberBuffer[current.length - 1];
                    System.arraycopy(current, 0, next, 0, i);
                    System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                    subscribers = next;
                }
                return true;
            }
        }
        return false;
    }

    SubscriberBuffer[] subscribers() {
        return subscribers;
    }

    int size() {
        return subscribers.length;
    }
}
