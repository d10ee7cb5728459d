package org.pushgate.gateway.broker;

import reactor.core.publisher.Mono;

/**
 * Where publishes go. The in-memory broker hands them straight to this node's hub; a broker across nodes
 * (Redis) will fan a publish out to every node's hub. Publishers never talk to the hub directly, so that
 * change does not touch them.
 */
public interface Broker {

    /**
     * @param data compact JSON bytes, owned by the broker from now on (never mutated by the caller)
     * @return how many subscriber buffers took the message (on this node, for the in-memory broker)
     */
    Mono<Integer> publish(String channel, byte[] data);
}
