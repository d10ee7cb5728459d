package org.pushgate.gateway.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

import org.pushgate.gateway.hub.Hub;
import org.pushgate.gateway.hub.NodeSubscriptions;
import org.pushgate.gateway.hub.SubscriberBuffer;

import reactor.core.publisher.Mono;

/**
 * A hub that records what the broker hands it (deliveries and catch-ups, per channel, in call order) and lets a
 * test open and close channels as the real hub would for its first and last local subscriber.
 */
final class RecordingHub implements Hub {

    /** One call: a delivery (data != null) or a catch-up (data == null). */
    record Call(String epoch, long offset, byte[] data) {
        boolean delivery() {
            return data != null;
        }
    }

    private final Map<String, List<Call>> calls = new ConcurrentHashMap<>();
    private volatile NodeSubscriptions node = NodeSubscriptions.NONE;
    /** Channels open here; open, close and recheck are serialized on this hub, as the real hub's per-key step does. */
    private final java.util.Set<String> open = new java.util.HashSet<>();

    @Override
    public Mono<Integer> deliver(String channel, String epoch, long offset, byte[] data) {
        List<Call> list = calls.computeIfAbsent(channel, c -> new ArrayList<>());
        synchronized (list) {
            list.add(new Call(epoch, offset, data));
        }
        return Mono.just(1);
    }

    @Override
    public void catchUp(String channel, String epoch, long offset) {
        List<Call> list = calls.computeIfAbsent(channel, c -> new ArrayList<>());
        synchronized (list) {
            list.add(new Call(epoch, offset, null));
        }
    }

    @Override
    public void attach(NodeSubscriptions listener) {
        node = listener;
    }

    synchronized void open(String channel) {
        open.add(channel);
        node.opened(channel);
    }

    synchronized void close(String channel) {
        open.remove(channel);
        node.closed(channel);
    }

    @Override
    public synchronized NodeSubscriptions.Recheck recheckNodeSubscription(String channel) {
        return node.recheck(channel, open.contains(channel));
    }

    List<Call> calls(String channel) {
        List<Call> list = calls.getOrDefault(channel, List.of());
        synchronized (list) {
            return List.copyOf(list);
        }
    }

    List<Long> delivered(String channel) {
        return calls(channel).stream().filter(Call::delivery).map(Call::offset).toList();
    }

    List<Call> catchUps(String channel) {
        return calls(channel).stream().filter(c -> !c.delivery()).toList();
    }

    @Override
    public boolean subscribe(String channel, SubscriberBuffer subscriber) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean unsubscribe(String channel, SubscriberBuffer subscriber) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int channelCount() {
        return 0;
    }

    @Override
    public long subscriptionCount() {
        return 0;
    }

    @Override
    public void forEachSubscription(BiConsumer<String, SubscriberBuffer> visitor) {
    }

    @Override
    public Map<String, Integer> channels() {
        return Map.of();
    }
}
