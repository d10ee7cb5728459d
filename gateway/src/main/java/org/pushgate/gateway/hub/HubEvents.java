package org.pushgate.gateway.hub;

/** What the hub reports to the outside (metrics). Called on publishing threads: implementations are cheap and non-blocking. */
public interface HubEvents {

    enum DropReason { SLOW_CONSUMER, DROP_OLDEST }

    void published(String channel, int subscribersReached);

    void dropped(DropReason reason);

    /** A frame was queued behind {@code depth - 1} others (not called for a frame the writer took at once). */
    void bufferDepth(int depth);

    /** An emit found another publisher inside the same subscriber's sink and had to retry. */
    void contended();

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

        @Override
        public void contended() {
        }
    };
}
