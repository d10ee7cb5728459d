package org.pushgate.gateway.hub;

/** What the hub reports to the outside (metrics). Called on publishing threads: implementations are cheap and non-blocking. */
public interface HubEvents {

    /** Why a subscriber did not get a message; the tag of {@code gateway_messages_dropped_total{reason}}. */
    enum DropReason {
        /** The subscriber's buffer was full (frames or bytes) under the disconnect policy: it is cut. */
        SLOW_CONSUMER,
        /** Evicted from a full buffer under the drop-oldest policy. */
        DROP_OLDEST,
        /** The process-wide outbound fence was passed and this subscriber held among the most: it is cut. */
        OUTBOUND_MEMORY,
        /** Two producers met in one sink: impossible by construction (one producer per sink), counted if it ever is. */
        CONTENDED
    }

    void published(String channel, int subscribersReached);

    void dropped(DropReason reason);

    /** A frame was queued behind {@code depth - 1} others (not called for a frame the writer took at once). */
    void bufferDepth(int depth);

    /** Reports nothing (benchmarks of the hub alone). */
    HubEvents NONE = new HubEvents() {
        @Override
        public void published(String channel, int subscribersReached) {
        }

        @Override
        public void dropped(DropReason reason) {
        }

        @Override
        public void bufferDepth(int depth) {
        }
    };
}
