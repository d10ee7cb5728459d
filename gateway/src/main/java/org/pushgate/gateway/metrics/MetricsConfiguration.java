package org.pushgate.gateway.metrics;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.MeterRegistry;

/** Wires the gateway's meters; each package registers its own gauges through {@link GatewayMetrics}. */
@Configuration(proxyBeanMethods = false)
class MetricsConfiguration {

    @Bean
    GatewayMetrics gatewayMetrics(MeterRegistry registry) {
        return new GatewayMetrics(registry);
    }
}
