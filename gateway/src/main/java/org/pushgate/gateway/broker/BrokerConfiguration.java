package org.pushgate.gateway.broker;

import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.hub.Hub;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import reactor.core.scheduler.Scheduler;

/** Wires the broker named by {@code gateway.broker.type}: the embedded memory engine by default. */
@Configuration(proxyBeanMethods = false)
class BrokerConfiguration {

    @Bean
    Broker broker(GatewayProperties properties, Hub hub, Scheduler connectionTimers, GatewayMetrics metrics) {
        GatewayProperties.History history = properties.history();
        return switch (properties.broker().type()) {
            case MEMORY -> new MemoryBroker(hub, HistoryPolicy.of(history), history.memory().maxBytes().toBytes(),
                    connectionTimers, reason -> metrics.streamDropped(reason.name().toLowerCase(java.util.Locale.ROOT)));
            case REDIS -> throw new IllegalStateException("gateway.broker.type=redis is not available yet");
        };
    }
}
