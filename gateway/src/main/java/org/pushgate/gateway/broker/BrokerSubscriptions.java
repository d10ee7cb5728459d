package org.pushgate.gateway.broker;

import java.util.Set;

/**
 * What a broker with node subscriptions (Redis) holds for this node, for the auditor: it should hold exactly the
 * channels the hub has open ({@code hub.channels()}), give or take the (un)subscribes in flight.
 */
public interface BrokerSubscriptions {

    /** Channels this node is subscribed to at the broker now, or may be (a command sent and not confirmed). */
    Set<String> held();

    /** How many: the {@code gateway_broker_subscriptions} gauge. */
    int heldCount();

    /**
     * Compares what the broker holds with the hub's open channels and sends every channel that differs again
     * (subscribe if the hub has it open, unsubscribe if not), so that a leak or a miss heals.
     *
     * @return how many channels differed (a few in flight are normal; the same ones twice in a row are not)
     */
    int reconcile(Set<String> hubChannels);
}
