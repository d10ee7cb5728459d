package org.pushgate.gateway.metrics;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.common.docs.KeyName;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayMetricsTest {

    PrometheusMeterRegistry registry; // the registry the gateway ships with (no extra histogram meters)
    GatewayMetrics metrics;

    @BeforeEach
    void setUp() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics = new GatewayMetrics(registry);
        for (GatewayMeter meter : GatewayMeter.values()) {
            if (meter.getType() == Meter.Type.GAUGE) {
                metrics.gauge(meter, () -> 0);
            }
        }
        // With gateway.broker.type=redis the broker's wiring registers these (BrokerConfiguration).
        metrics.timer(GatewayMeter.BROKER_PUBLISH, "ok");
        metrics.counter(GatewayMeter.BROKER_ERRORS, "publish");
        metrics.counter(GatewayMeter.BROKER_RECONNECTS);
        metrics.counter(GatewayMeter.BROKER_RESUBSCRIBED);
        // The edge registers its counters through GatewayMetrics when it is built, as the gateway's wiring does.
        new org.pushgate.gateway.edge.HandshakeFailures(metrics, java.time.Duration.ofMinutes(1),
                reactor.core.scheduler.Schedulers.immediate());
    }

    @Test
    void everyRegisteredMeterIsRegisteredAsItsConstantDocumentsIt() {
        assertThat(registry.getMeters()).isNotEmpty();
        for (Meter meter : registry.getMeters()) {
            Meter.Id id = meter.getId();
            GatewayMeter documented = Arrays.stream(GatewayMeter.values())
                    .filter(m -> m.getName().equals(id.getName())).findFirst()
                    .orElseThrow(() -> new AssertionError(id.getName() + " is registered but not a GatewayMeter"));
            assertThat(id.getType()).as(id.getName()).isEqualTo(documented.getType());
            assertThat(id.getDescription()).as(id.getName()).isEqualTo(documented.getDescription());
            assertThat(id.getBaseUnit()).as(id.getName()).isEqualTo(documented.getBaseUnit());
            assertThat(id.getTags().stream().map(Tag::getKey).collect(Collectors.toSet())).as(id.getName())
                    .isEqualTo(Arrays.stream(documented.getKeyNames()).map(KeyName::asString).collect(Collectors.toSet()));
        }
    }

    @Test
    void everyDocumentedMeterIsRegisteredUpFront() {
        Set<GatewayMeter> registered = EnumSet.noneOf(GatewayMeter.class);
        for (Meter meter : registry.getMeters()) {
            Arrays.stream(GatewayMeter.values()).filter(m -> m.getName().equals(meter.getId().getName()))
                    .forEach(registered::add);
        }
        assertThat(registered).containsExactlyInAnyOrder(GatewayMeter.values());
    }

    @Test
    void theOrphanCounterCountsPerKind() {
        metrics.orphansReclaimed(GatewayMetrics.Orphan.CONNECTION).increment();

        assertThat(registry.get("gateway.orphans.reclaimed").tag("kind", "connection").counter().count()).isEqualTo(1);
        assertThat(registry.get("gateway.orphans.reclaimed").tag("kind", "subscription").counter().count()).isZero();
    }

    @Test
    void aMeterCannotBeRegisteredAgainstItsDocumentation() {
        assertThatThrownBy(() -> metrics.gauge(GatewayMeter.MESSAGES_PUBLISHED, () -> 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MESSAGES_PUBLISHED is documented as a COUNTER");
    }

    @Test
    void readShowsWhatTheRegistryShowsByTagValue() {
        metrics.disconnected(org.pushgate.gateway.connection.CloseReason.RESET);
        metrics.disconnected(org.pushgate.gateway.connection.CloseReason.RESET);
        metrics.disconnected(org.pushgate.gateway.connection.CloseReason.SLOW_CONSUMER);
        metrics.delivered();

        assertThat(metrics.read(GatewayMeter.DISCONNECTS))
                .hasSize(org.pushgate.gateway.connection.CloseReason.values().length)
                .containsEntry("reset", 2.0).containsEntry("slow_consumer", 1.0).containsEntry("client_close", 0.0);
        assertThat(metrics.value(GatewayMeter.MESSAGES_DELIVERED)).isEqualTo(1.0);
        assertThat(metrics.read(GatewayMeter.MESSAGES_DELIVERED)).containsOnlyKeys("");
    }

    @Test
    void readOfAGaugeCallsItsSourceNow() {
        PrometheusMeterRegistry fresh = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        GatewayMetrics own = new GatewayMetrics(fresh);
        java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger(3);
        own.gauge(GatewayMeter.CONNECTIONS_ACTIVE, connections::get);

        assertThat(own.value(GatewayMeter.CONNECTIONS_ACTIVE)).isEqualTo(3.0);
        connections.set(7);
        assertThat(own.value(GatewayMeter.CONNECTIONS_ACTIVE)).isEqualTo(7.0);
        assertThat(own.value(GatewayMeter.CHANNELS_ACTIVE)).as("not registered").isZero();
    }

    @Test
    void readRefusesAMeterItCannotShowAsOneNumberPerTag() {
        assertThatThrownBy(() -> metrics.read(GatewayMeter.BROKER_PUBLISH)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> metrics.read(GatewayMeter.OUTBOUND_BUFFER_DEPTH)).isInstanceOf(IllegalArgumentException.class);
    }
}
