package org.pushgate.gateway.broker;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The broker's reachability, in the readiness group ({@code management.endpoint.health.group.readiness.include}):
 * while Redis is unreachable an orchestrator stops routing new clients here, and liveness stays UP so the
 * process is not killed (its open connections stay open, and it reconnects by itself).
 */
final class BrokerHealth implements HealthIndicator {

    private final Broker broker;

    BrokerHealth(Broker broker) {
        this.broker = broker;
    }

    @Override
    public Health health() {
        return broker.available() ? Health.up().build()
                : Health.down().withDetail("reason", "the broker is not reachable; reconnecting").build();
    }
}
