package org.pushgate.gateway.hub;

import org.pushgate.gateway.metrics.GatewayMeter;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires this node's hub and its gauges. */
@Configuration(proxyBeanMethods = false)
class HubConfiguration {

    @Bean
    Hub hub(GatewayMetrics metrics) {
        LocalHub hub = new LocalHub(metrics);
        metrics.gauge(GatewayMeter.SUBSCRIPTIONS_ACTIVE, hub::subscriptionCount);
        metrics.gauge(GatewayMeter.CHANNELS_ACTIVE, hub::channelCount);
        return hub;
    }
}
