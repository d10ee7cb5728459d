package org.pushgate.gateway.edge;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.admission.ConnectionLimit;
import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.metrics.GatewayMeter;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import reactor.core.scheduler.Scheduler;

/**
 * Wires the edge: the socket budget from accept on, the handshake, body and keep-alive deadlines, the
 * per-address cap on pending handshakes, and the handshake-failure counters with their summary log line, from
 * {@code gateway.limits.*}.
 */
@Configuration(proxyBeanMethods = false)
class EdgeConfiguration {

    @Bean
    SocketBudget socketBudget(GatewayProperties properties, Admission admission, GatewayMetrics metrics) {
        GatewayProperties.Limits limits = properties.limits();
        SocketBudget budget = new SocketBudget(SocketBudget.resolve(limits.maxSockets(), ConnectionLimit.openFileLimit(),
                limits.reservedFileDescriptors(), admission.maxConnections()));
        metrics.gauge(GatewayMeter.SOCKETS_OPEN, budget::open);
        metrics.gauge(GatewayMeter.SOCKETS_LIMIT, budget::limit);
        return budget;
    }

    @Bean
    PendingHandshakes pendingHandshakes(GatewayProperties properties, GatewayMetrics metrics) {
        PendingHandshakes pending = new PendingHandshakes(properties.limits().maxHandshakesPerAddress());
        metrics.gauge(GatewayMeter.HANDSHAKES_PENDING, pending::pending);
        return pending;
    }

    @Bean
    HandshakeFailures handshakeFailures(GatewayMetrics metrics, GatewayProperties properties, Scheduler connectionTimers) {
        return new HandshakeFailures(metrics, properties.limits().handshakeLogInterval(), connectionTimers);
    }

    @Bean
    ClientGoneFilter clientGoneFilter() {
        return new ClientGoneFilter();
    }

    @Bean
    EdgeServer edgeServer(SocketBudget budget, PendingHandshakes pending, HandshakeFailures failures,
                          GatewayProperties properties) {
        return new EdgeServer(budget, pending, failures, properties.limits().handshakeTimeout(),
                properties.limits().httpIdleTimeout());
    }
}
