package org.pushgate.gateway.hub;

import java.util.Map;

import reactor.core.publisher.Mono;

/**
 * This node's channels and their local subscribers. A channel exists exactly while it has at least one
 * subscriber. The broker hands it each message with the offset the broker assigned; the hub encodes one frame
 * and offers it to every subscriber's own bounded buffer, in offset order, on the subscriber's event loop.
 */
public interface Hub {

    /**
     * Fans a message out to this node's subscribers of the channel. The message is taken when this method returns
     * (not when the Mono is subscribed), so a broker that calls it in offset order gets that order. A message that
     * does not follow the last one tells the subscribers their state is insufficient instead.
     *
     * @param data the message payload as compact JSON bytes
     * @return how many subscriber buffers took the message (0 when the channel has no subscriber here)
     */
    Mono<Integer> deliver(String channel, String epoch, long offset, byte[] data);

    /**
     * Tells this listener of every first and last local subscriber from now on (the broker's node subscriptions).
     * Wired once, before any connection subscribes.
     */
    void attach(NodeSubscriptions listener);

    /**
     * Re-reads whether the channel is open inside its per-channel step (the step that opens and closes it) and
     * hands that to the attached {@link NodeSubscriptions#recheck}: the auditor's way to repair a node
     * subscription without racing a first subscriber or a last unsubscribe.
     */
    NodeSubscriptions.Recheck recheckNodeSubscription(String channel);

    /** The broker's word that the channel's stream is at this position; subscribers behind it are told. */
    void catchUp(String channel, String epoch, long offset);

    /** @return false when the buffer already was subscribed to the channel */
    boolean subscribe(String channel, SubscriberBuffer subscriber);

    /** @return false when the buffer was not subscribed to the channel */
    boolean unsubscribe(String channel, SubscriberBuffer subscriber);

    int channelCount();

    long subscriptionCount();

    /** Visits every (channel, subscriber) pair, for the auditor's reconciliation. */
    void forEachSubscription(java.util.function.BiConsumer<String, SubscriberBuffer> visitor);

    /** A snapshot of channel name to subscriber count, sorted by name, for the admin view. */
    Map<String, Integer> channels();

    /**
     * Visits every channel with its subscriber count now, in no order and without a copy (the admin page's top
     * channels, polled every few seconds, must not copy every channel each time).
     */
    default void forEachChannel(java.util.function.ObjIntConsumer<String> visitor) {
        channels().forEach(visitor::accept);
    }
}
