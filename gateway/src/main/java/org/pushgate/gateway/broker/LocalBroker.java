package org.pushgate.gateway.broker;

import org.pushgate.gateway.hub.Hub;

import reactor.core.publisher.Mono;

/** The single-node broker: a publish reaches this node's hub and nothing else. */
final class LocalBroker implements Broker {

    private final Hub hub;

    LocalBroker(Hub hub) {
        this.hub = hub;
    }

    @Override
    public Mono<Integer> publish(String channel, byte[] data) {
        return hub.publish(channel, data);
    }
}
