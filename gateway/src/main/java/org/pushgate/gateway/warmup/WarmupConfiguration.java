package org.pushgate.gateway.warmup;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.connection.ConnectionRegistry;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** The warm-up before readiness, and its {@code warmup} health indicator (in the readiness group, application.yml). */
@Configuration(proxyBeanMethods = false)
class WarmupConfiguration {

    @Bean
    Warmup warmup(GatewayProperties properties, Environment environment, Broker broker, ConnectionRegistry registry,
                  Admission admission, ApplicationContext context) {
        return new Warmup(properties, environment, broker, registry::size,
                () -> context instanceof WebServerApplicationContext web && web.getWebServer() != null
                        ? web.getWebServer().getPort() : -1,
                () -> room(admission.maxConnections(), properties.limits().maxConnectionsPerAddress()));
    }

    /**
     * Warm-up connections the node has room for: each holds two of this process' descriptors (its client's socket and
     * the node's), so half of what the connection limit (explicit or derived from the open-file limit) leaves; and
     * they all come from one address, so at most half of a per-address limit.
     */
    static int room(int maxConnections, int maxPerAddress) {
        int room = Math.max(1, maxConnections / 2 - 50);
        return maxPerAddress > 0 ? Math.min(room, Math.max(1, maxPerAddress / 2)) : room;
    }

    /** OUT_OF_SERVICE until the warm-up has ended (done or skipped), then UP; the details say what it did. */
    @Bean
    HealthIndicator warmupHealthIndicator(Warmup warmup) {
        return () -> (warmup.report().ready() ? Health.up() : Health.outOfService()).withDetails(warmup.details()).build();
    }
}
