package org.pushgate.gateway.broker;

import java.util.Collection;

import reactor.core.publisher.Mono;

/**
 * Where publishes go and where streams live. The broker assigns each publish its offset in the channel's stream,
 * keeps the stream's bounded history, and hands the message to every node's hub (this node's only, for the
 * memory engine; every node with a subscriber, through Redis). Publishers and connections never talk to a hub
 * of another node, and never assign offsets themselves.
 *
 * <p>Every method may fail with {@link BrokerUnavailableException} when the broker cannot be reached in time.
 */
public interface Broker {

    /**
     * Appends a message to the channel's stream and fans it out.
     *
     * @param data compact JSON bytes, owned by the broker from now on (never mutated by the caller)
     */
    Mono<Published> publish(String channel, byte[] data);

    /**
     * Reads the channel's stream after {@code since} (exclusive), at most {@code limit} messages, with its current
     * position. {@code limit} 0 reads the position only.
     */
    Mono<History> history(String channel, long since, int limit);

    /**
     * Drops the channels' streams now (messages and position; a later publish starts a new epoch) instead of at
     * their ttl: for channels nobody else uses, the warm-up's. Completes once they are gone; fails with
     * {@link BrokerUnavailableException} when the broker cannot be reached (the streams then go at their ttl).
     */
    Mono<Void> forget(Collection<String> channels);

    /** Whether the broker is reachable now (readiness). */
    default boolean available() {
        return true;
    }
}
