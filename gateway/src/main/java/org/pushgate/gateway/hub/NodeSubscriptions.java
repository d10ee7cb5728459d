package org.pushgate.gateway.hub;

/**
 * Told when this node's hub gains its first local subscriber to a channel and loses its last, so that the node
 * receives the channel's publishes exactly while someone here listens (Redis: SUBSCRIBE and UNSUBSCRIBE). Called
 * inside the hub's per-channel step that creates or removes the channel, so calls for one channel never
 * overlap and always alternate opened, closed, opened...; implementations must not block and must not call
 * back into the hub.
 */
public interface NodeSubscriptions {

    void opened(String channel);

    void closed(String channel);

    /** What the auditor's re-check of one channel did to the node's subscription. */
    enum Recheck {
        /** The node wants the channel exactly when the hub has it open. */
        IN_STEP,
        /** The node wanted a channel the hub does not have open (a lost close): no longer wanted. */
        RELEASED,
        /** The hub has the channel open and the node did not want it (a lost open): wanted again. */
        RESTORED
    }

    /**
     * The auditor asks again about one channel it found out of step, inside the same per-channel step of the
     * hub as {@link #opened}/{@link #closed} (so neither can overlap it): {@code open} is whether the hub has the
     * channel now, read under that step, not the auditor's older snapshot. A channel whose first subscriber
     * arrived during the audit is therefore open here and keeps its subscription. Must not block either.
     */
    default Recheck recheck(String channel, boolean open) {
        return Recheck.IN_STEP;
    }

    /**
     * The channel's stream handed this node a message at an offset it had already fanned out under the same epoch:
     * the stream lost acknowledged writes (a Redis failover to a replica that lagged) and now hands their offsets
     * out again. The broker must move the stream to a new epoch, so that no client is told {@code recovered:true}
     * across the lost messages, and then tell the hub ({@link Hub#catchUp}) so its subscribers learn of it. Called
     * on the hub's draining thread for the channel, possibly once per repeated message; must not block and must
     * not call back into the hub before returning.
     */
    default void lostWrites(String channel, String epoch) {
    }

    /** A node whose publishes reach its hub directly (the memory engine). */
    NodeSubscriptions NONE = new NodeSubscriptions() {
        @Override
        public void opened(String channel) {
        }

        @Override
        public void closed(String channel) {
        }
    };
}
