package org.pushgate.gateway.hub;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The in-memory hub of one node. Channels are created by their first subscriber and removed, atomically
 * with it, by their last unsubscribe ({@link ConcurrentHashMap#compute} makes the two one step, so a
 * concurrent subscribe can never land in a channel that is being removed).
 */
public final class LocalHub implements Hub {

    private final ConcurrentHashMap<String, Channel> channels = new ConcurrentHashMap<>();
    private final AtomicLong subscriptions = new AtomicLong();
    private final HubEvents events;
    private volatile NodeSubscriptions node = NodeSubscriptions.NONE;

    /** Public for the benchmarks in load/; the gateway wires it in HubConfiguration. */
    public LocalHub(HubEvents events) {
        this.events = events;
    }

    @Override
    public void attach(NodeSubscriptions listener) {
        this.node = listener;
    }

    private static final Mono<Integer> NOBODY = Mono.just(0);

    /** Enqueues now, in the caller's order (the broker calls it in offset order); the Mono reports the count. */
    @Override
    public Mono<Integer> deliver(String channel, String epoch, long offset, byte[] data) {
        Channel target = channels.get(channel);
        if (target == null) {
            events.published(channel, 0);
            return NOBODY;
        }
        Sinks.One<Integer> reached = Sinks.one();
        target.deliver(epoch, offset, data, reached);
        return reached.asMono();
    }

    @Override
    public void catchUp(String channel, String epoch, long offset) {
        Channel target = channels.get(channel);
        if (target != null) {
            target.catchUp(epoch, offset);
        }
    }

    @Override
    public NodeSubscriptions.Recheck recheckNodeSubscription(String channel) {
        NodeSubscriptions.Recheck[] outcome = {NodeSubscriptions.Recheck.IN_STEP};
        // compute, not get: the answer must hold while the listener acts on it (no first subscriber or last
        // unsubscribe of this channel in between). An absent channel stays absent (null maps to nothing).
        channels.compute(channel, (name, existing) -> {
            outcome[0] = node.recheck(name, existing != null);
            return existing;
        });
        return outcome[0];
    }

    @Override
    public boolean subscribe(String channel, SubscriberBuffer subscriber) {
        boolean[] added = new boolean[1];
        channels.compute(channel, (name, existing) -> {
            Channel target = existing;
            if (target == null) {
                target = new Channel(name, events, epoch -> node.lostWrites(name, epoch));
                node.opened(name); // inside the key's step: opened and closed for one channel never overlap
            }
            added[0] = target.add(subscriber);
            return target;
        });
        if (added[0]) {
            subscriptions.incrementAndGet();
        }
        return added[0];
    }

    @Override
    public boolean unsubscribe(String channel, SubscriberBuffer subscriber) {
        boolean[] removed = new boolean[1];
        channels.computeIfPresent(channel, (name, existing) -> {
            removed[0] = existing.remove(subscriber);
            if (existing.size() == 0) {
                node.closed(name);
                return null;
            }
            return existing;
        });
        if (removed[0]) {
            subscriptions.decrementAndGet();
        }
        return removed[0];
    }

    @Override
    public int channelCount() {
        return channels.size();
    }

    @Override
    public long subscriptionCount() {
        return subscriptions.get();
    }

    @Override
    public void forEachSubscription(java.util.function.BiConsumer<String, SubscriberBuffer> visitor) {
        channels.forEach((name, ignored) -> {
            // A channel's membership is read under its key's lock, like every change of it; the visitor runs outside.
            SubscriberBuffer[][] snapshot = new SubscriberBuffer[1][];
            channels.computeIfPresent(name, (key, channel) -> {
                snapshot[0] = channel.subscribers();
                return channel;
            });
            if (snapshot[0] != null) {
                for (SubscriberBuffer subscriber : snapshot[0]) {
                    visitor.accept(name, subscriber);
                }
            }
        });
    }

    @Override
    public Map<String, Integer> channels() {
        Map<String, Integer> snapshot = new TreeMap<>();
        channels.forEach((name, channel) -> snapshot.put(name, channel.size()));
        return snapshot;
    }

    @Override
    public void forEachChannel(java.util.function.ObjIntConsumer<String> visitor) {
        channels.forEach((name, channel) -> visitor.accept(name, channel.size()));
    }
}
