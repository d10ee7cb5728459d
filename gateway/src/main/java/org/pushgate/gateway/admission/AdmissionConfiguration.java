package org.pushgate.gateway.admission;

import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.metrics.GatewayMeter;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the 503 valve from {@code gateway.limits.*}. */
@Configuration(proxyBeanMethods = false)
class AdmissionConfiguration {

    @Bean
    Admission admission(GatewayProperties properties, GatewayMetrics metrics) {
        GatewayProperties.Limits limits = properties.limits();
        int max = ConnectionLimit.resolve(limits.maxConnections(), ConnectionLimit.openFileLimit(),
                limits.reservedFileDescriptors());
        ConnectionRate rate = limits.connectionsPerSecondPerAddress() > 0
                ? new ConnectionRate(limits.connectionsPerSecondPerAddress(), System::nanoTime) : null;
        Admission admission = new Admission(max, limits.maxConnectionsPerAddress(), rate);
        metrics.gauge(GatewayMeter.CONNECTION_LIMIT, admission::maxConnections);
        return admission;
    }
}
