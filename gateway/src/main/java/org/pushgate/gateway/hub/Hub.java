package org.pushgate.gateway.hub;

import java.util.Map;

import reactor.core.publisher.Mono;

/**
 * Channels to subscribers. A channel exists exactly while it has at least one subscriber. Publishing to a
 * channel assigns the message the channel's next offset and hands one encoded frame to every subscriber's
 * own bounded buffer; concurrent publishers to one channel are serialized without blocking and lose nothing.
 */
public interface Hub {

    /**
     * @param data the message payload as compact JSON bytes
     * @return how many subscriber buffers took the message (0 when the channel has no subscriber)
     */
    Mono<Integer> publish(String channel, byte[] data);

    /** @return false when the buffer already was subscribed to the channel */
    boolean subscribe(String channel, SubscriberBuffer subscriber);

    /** @return false when the buffer was not subscribed to the channel */
    boolean unsubscribe(String channel, SubscriberBuffer subscriber);

    int channelCount();

    long subscriptionCount();

    /** Visits every (channel, subscriber) pair, for the auditor's reconciliation. */
    void forEachSubscription(java.util.function.BiConsumer<String, SubscriberBuffer> visitor);

    /** A snapshot of channel name to subscriber count, for the admin view. */
    Map<String, Integer> channels();
}
