package org.pushgate.gateway.broker;

import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.hub.Hub;
import org.pushgate.gateway.metrics.GatewayMeter;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import reactor.core.scheduler.Scheduler;

/**
 * Wires the broker named by {@code gateway.broker.type}: the embedded memory engine by default, or Redis. The Redis
 * broker is also the hub's {@link org.pushgate.gateway.hub.NodeSubscriptions} (attached here, before any
 * connection subscribes) and a {@link BrokerSubscriptions} for the auditor ({@code broker instanceof
 * BrokerSubscriptions}: one bean, so that its lifecycle runs once).
 */
@Configuration(proxyBeanMethods = false)
class BrokerConfiguration {

    @Bean
    Broker broker(GatewayProperties properties, Hub hub, Scheduler connectionTimers, GatewayMetrics metrics) {
        GatewayProperties.History history = properties.history();
        return switch (properties.broker().type()) {
            case MEMORY -> new MemoryBroker(hub, HistoryPolicy.of(history), history.memory().maxBytes().toBytes(),
                    connectionTimers, reason -> metrics.streamDropped(reason.name().toLowerCase(java.util.Locale.ROOT)));
            case REDIS -> {
                RedisBroker redis = new RedisBroker(hub, HistoryPolicy.of(history), properties.broker().redis(),
                        new RedisMeters(metrics));
                metrics.gauge(GatewayMeter.BROKER_SUBSCRIPTIONS, redis::heldCount);
                hub.attach(redis);
                yield redis;
            }
        };
    }

    /** {@code broker} in /actuator/health, and in the readiness group (application.yml). */
    @Bean
    HealthIndicator brokerHealthIndicator(Broker broker) {
        return new BrokerHealth(broker);
    }

    /** The Redis broker's meters, registered up front. */
    private static final class RedisMeters implements RedisBroker.Events {
        private final Timer publishOk;
        private final Timer publishFailed;
        private final Counter publishErrors;
        private final Counter historyErrors;
        private final Counter subscribeErrors;
        private final Counter reconnects;
        private final Counter resubscribed;

        RedisMeters(GatewayMetrics metrics) {
            publishOk = metrics.timer(GatewayMeter.BROKER_PUBLISH, "ok");
            publishFailed = metrics.timer(GatewayMeter.BROKER_PUBLISH, "unavailable");
            publishErrors = metrics.counter(GatewayMeter.BROKER_ERRORS, "publish");
            historyErrors = metrics.counter(GatewayMeter.BROKER_ERRORS, "history");
            subscribeErrors = metrics.counter(GatewayMeter.BROKER_ERRORS, "subscribe");
            reconnects = metrics.counter(GatewayMeter.BROKER_RECONNECTS);
            resubscribed = metrics.counter(GatewayMeter.BROKER_RESUBSCRIBED);
        }

        @Override
        public void published(long nanos, boolean ok) {
            (ok ? publishOk : publishFailed).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        }

        @Override
        public void failed(String operation) {
            (operation.equals("publish") ? publishErrors : historyErrors).increment();
        }

        @Override
        public void subscribeFailed() {
            subscribeErrors.increment();
        }

        @Override
        public void reconnected(String shard) {
            reconnects.increment();
        }

        @Override
        public void resubscribed(int channels) {
            resubscribed.increment(channels);
        }
    }
}
