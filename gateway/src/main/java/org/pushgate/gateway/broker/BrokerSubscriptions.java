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
     * Compares what the node wants and holds at the broker with the hub's open channels (a snapshot the caller
     * took) and repairs every difference. A channel that differs from the snapshot is re-read under the hub's
     * own step for it ({@link org.pushgate.gateway.hub.Hub#recheckNodeSubscription}) before anything is
     * released or taken again, so a channel whose first subscriber arrives (or whose last one leaves) during the
     * pass is judged by the hub's state then, never by the older snapshot. What the broker's worker has in flight
     * (sent and not confirmed) is sent again.
     */
    Reconciled reconcile(Set<String> hubChannels);

    /**
     * What one reconciliation did.
     *
     * @param held     node subscriptions held at the broker (or in flight) when the pass began (the gauge)
     * @param released subscriptions the hub did not need (a lost close), released: should stay 0
     * @param restored channels the hub has open that the node did not want (a lost open), subscribed again and
     *                 their position read (their subscribers learn of the gap): should stay 0
     * @param resent   channels the broker's worker had out of step (an (un)subscribe in flight or lost), sent again:
     *                 a few during churn are normal, the same ones at every pass are not
     */
    record Reconciled(int held, int released, int restored, int resent) {
        public static final Reconciled NOTHING = new Reconciled(0, 0, 0, 0);
    }

    /** A broker without node subscriptions (the memory engine): nothing to reconcile. */
    BrokerSubscriptions NONE = new BrokerSubscriptions() {
        @Override
        public Set<String> held() {
            return Set.of();
        }

        @Override
        public int heldCount() {
            return 0;
        }

        @Override
        public Reconciled reconcile(Set<String> hubChannels) {
            return Reconciled.NOTHING;
        }
    };
}
