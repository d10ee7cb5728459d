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
