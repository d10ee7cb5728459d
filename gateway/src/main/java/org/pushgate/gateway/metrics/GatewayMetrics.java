package org.pushgate.gateway.metrics;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.connection.CloseReason;
import org.pushgate.gateway.connection.ConnectionEvents;
import org.pushgate.gateway.hub.HubEvents;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The gateway's meters, all registered up front (no lookups on the hot path). The names, as Prometheus
 * shows them, are documented in the README; {@link GatewayMeter} lists them.
 */
public final class GatewayMetrics implements HubEvents, ConnectionEvents {

    private final MeterRegistry registry;
    private final Counter published;
    private final Counter delivered;
    private final Map<HubEvents.DropReason, Counter> dropped = new EnumMap<>(HubEvents.DropReason.class);
    private final Map<CloseReason, Counter> disconnects = new EnumMap<>(CloseReason.class);
    private final Map<Admission.Rejection, Counter> rejected = new EnumMap<>(Admission.Rejection.class);
    private final DistributionSummary bufferDepth;
    private final Map<String, Counter> streamsDropped = new java.util.concurrent.ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.published = Counter.builder(GatewayMeter.MESSAGES_PUBLISHED.meterName())
                .description("Messages published to a channel (once per channel per publish)").register(registry);
        this.delivered = Counter.builder(GatewayMeter.MESSAGES_DELIVERED.meterName())
                .description("Message frames handed to a client socket").register(registry);
        for (HubEvents.DropReason reason : HubEvents.DropReason.values()) {
            dropped.put(reason, Counter.builder(GatewayMeter.MESSAGES_DROPPED.meterName())
                    .description("Messages a subscriber did not get, by reason")
                    .tag("reason", reason.name().toLowerCase()).register(registry));
        }
        for (CloseReason reason : CloseReason.values()) {
            disconnects.put(reason, Counter.builder(GatewayMeter.DISCONNECTS.meterName())
                    .description("Connections ended, by reason").tag("reason", reason.tag()).register(registry));
        }
        for (Admission.Rejection reason : Admission.Rejection.values()) {
            rejected.put(reason, Counter.builder(GatewayMeter.CONNECTIONS_REJECTED.meterName())
                    .description("WebSocket upgrades refused (403 origin, 429 rate, 503 limits and shutdown), by reason").tag("reason", reason.tag()).register(registry));
        }
        this.bufferDepth = DistributionSummary.builder(GatewayMeter.OUTBOUND_BUFFER_DEPTH.meterName())
                .description("Depth of a subscriber's outbound buffer after a frame had to wait in it (frames sent at once are not recorded)")
                .baseUnit("messages")
                .serviceLevelObjectives(1, 4, 16, 64, 256, 1024, 4096)
                .register(registry);
    }

    /** Registers a gauge whose value is read from the gateway's own state at scrape time. */
    public void gauge(GatewayMeter meter, String description, Supplier<Number> value) {
        Gauge.builder(meter.meterName(), value).description(description).register(registry);
    }

    /** Registers a counter (tags as key, value pairs); for a package's own events, registered up front. */
    public Counter counter(GatewayMeter meter, String description, String... tags) {
        return Counter.builder(meter.meterName()).description(description).tags(tags).register(registry);
    }

    /** Registers a timer with a latency histogram (tags as key, value pairs). */
    public io.micrometer.core.instrument.Timer timer(GatewayMeter meter, String description, String... tags) {
        return io.micrometer.core.instrument.Timer.builder(meter.meterName()).description(description).tags(tags)
                .publishPercentileHistogram().register(registry);
    }

    @Override
    public void published(String channel, int subscribersReached) {
        published.increment();
    }

    @Override
    public void dropped(HubEvents.DropReason reason) {
        dropped.get(reason).increment();
    }

    @Override
    public void bufferDepth(int depth) {
        bufferDepth.record(depth);
    }

    @Override
    public void disconnected(CloseReason reason) {
        disconnects.get(reason).increment();
    }

    @Override
    public void delivered() {
        delivered.increment();
    }

    /** A history stream dropped, by reason ({@code expired}, {@code memory}). */
    public void streamDropped(String reason) {
        streamsDropped.computeIfAbsent(reason, r -> Counter.builder(GatewayMeter.HISTORY_STREAMS_DROPPED.meterName())
                .description("History streams dropped (their next use starts a new epoch), by reason")
                .tag("reason", r).register(registry)).increment();
    }

    public void rejected(Admission.Rejection reason) {
        rejected.get(reason).increment();
    }
}
