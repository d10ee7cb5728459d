package org.pushgate.gateway.connection;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.auth.ClientAuth;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.hub.BufferSettings;
import org.pushgate.gateway.hub.Hub;
import org.pushgate.gateway.hub.OutboundBudget;
import org.pushgate.gateway.metrics.GatewayMeter;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.pushgate.gateway.protocol.CommandDecoder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Wires the connection pipeline, the registry, the subscriber buffers' bounds, and shutdown. */
@Configuration(proxyBeanMethods = false)
class ConnectionConfiguration {

    @Bean
    ConnectionRegistry connectionRegistry(GatewayMetrics metrics) {
        ConnectionRegistry registry = new ConnectionRegistry();
        metrics.gauge(GatewayMeter.CONNECTIONS_ACTIVE, registry::size);
        metrics.gauge(GatewayMeter.TIMERS_ACTIVE, registry::activeTimers);
        return registry;
    }

    /** Per-connection timers run here: parallel workers, never an I/O thread, never blocking. */
    @Bean
    Scheduler connectionTimers() {
        return Schedulers.parallel();
    }

    @Bean
    BufferSettings bufferSettings(GatewayProperties properties, ConnectionRegistry registry, Scheduler connectionTimers,
                                  GatewayMetrics metrics) {
        GatewayProperties.Outbound outbound = properties.outbound();
        // The fence's reclaim pass reads every connection's buffer: on a timer worker, never on an event loop.
        OutboundBudget budget = new OutboundBudget(outbound.totalQueuedBytesLimit(), registry::buffers,
                task -> connectionTimers.schedule(task));
        metrics.gauge(GatewayMeter.OUTBOUND_QUEUED_BYTES, budget::queuedBytes);
        return new BufferSettings(outbound.bufferSize(), outbound.maxQueuedBytes().toBytes(), outbound.overflow(), budget,
                metrics);
    }

    @Bean
    ConnectionPipeline connectionPipeline(Hub hub, Broker broker, ConnectionRegistry registry, GatewayProperties properties,
                                          BufferSettings buffers, ClientAuth auth, CommandDecoder decoder,
                                          Scheduler connectionTimers, GatewayMetrics metrics) {
        GatewayProperties.Limits limits = properties.limits();
        ConnectionSettings settings = new ConnectionSettings(
                properties.heartbeat().interval(),
                properties.liveness().interval(),
                properties.liveness().timeout(),
                limits.maxSubscriptionsPerConnection(),
                limits.commandsPerSecond(),
                limits.commandBurst(),
                limits.rateLimitViolations(),
                properties.history().maxRecovered());
        return new ConnectionPipeline(new NodeResources(hub, broker, registry, settings, buffers, auth, metrics), decoder,
                connectionTimers);
    }

    @Bean
    GracefulShutdown gracefulShutdown(Admission admission, ConnectionRegistry registry, GatewayProperties properties,
                                      Scheduler connectionTimers) {
        return new GracefulShutdown(admission, registry, properties.shutdown().grace(), connectionTimers);
    }
}
