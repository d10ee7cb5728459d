package org.pushgate.gateway.metrics;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.connection.CloseReason;
import org.pushgate.gateway.connection.ConnectionEvents;
import org.pushgate.gateway.hub.HubEvents;

import io.micrometer.common.docs.KeyName;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * The gateway's meters, all registered up front (no lookups on the hot path), each through its
 * {@link GatewayMeter} constant, which documents its name, type, description, unit and tags. The names, as
 * Prometheus shows them, are documented in the README.
 */
public final class GatewayMetrics implements HubEvents, ConnectionEvents {

    private final MeterRegistry registry;
    private final Counter published;
    private final Counter delivered;
    private final Map<HubEvents.DropReason, Counter> dropped = new EnumMap<>(HubEvents.DropReason.class);
    private final Map<CloseReason, Counter> disconnects = new EnumMap<>(CloseReason.class);
    private final Map<Admission.Rejection, Counter> rejected = new EnumMap<>(Admission.Rejection.class);
    private final DistributionSummary bufferDepth;
    private final Map<Orphan, Counter> orphans = new EnumMap<>(Orphan.class);
    private final Map<String, Counter> streamsDropped = new java.util.HashMap<>();
    private final Map<String, Counter> opened = new java.util.HashMap<>();
    private final Map<String, Counter> reconciled = new java.util.HashMap<>();

    /** What the auditor does to a node subscription (the {@code action} tag's values). */
    static final String[] RECONCILE_ACTIONS = {"released", "restored"};

    /** The transport and protocol pairs a connection can have (the {@code transport} and {@code protocol} tags). */
    static final String[][] TRANSPORTS = {{"ws", "pushgate"}, {"sse", "pushgate"}, {"ws", "centrifugo"}};

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.published = counter(GatewayMeter.MESSAGES_PUBLISHED);
        this.delivered = counter(GatewayMeter.MESSAGES_DELIVERED);
        for (HubEvents.DropReason reason : HubEvents.DropReason.values()) {
            dropped.put(reason, counter(GatewayMeter.MESSAGES_DROPPED, reason.name().toLowerCase()));
        }
        for (CloseReason reason : CloseReason.values()) {
            disconnects.put(reason, counter(GatewayMeter.DISCONNECTS, reason.tag()));
        }
        for (Admission.Rejection reason : Admission.Rejection.values()) {
            rejected.put(reason, counter(GatewayMeter.CONNECTIONS_REJECTED, reason.tag()));
        }
        for (String reason : new String[] {"expired", "memory", "forgotten"}) {
            streamsDropped.put(reason, counter(GatewayMeter.HISTORY_STREAMS_DROPPED, reason));
        }
        for (String[] pair : TRANSPORTS) {
            opened.put(pair[0] + "/" + pair[1], counter(GatewayMeter.CONNECTIONS_OPENED, pair[0], pair[1]));
        }
        for (String action : RECONCILE_ACTIONS) {
            reconciled.put(action, counter(GatewayMeter.BROKER_SUBSCRIPTIONS_RECONCILED, action));
        }
        for (Orphan kind : Orphan.values()) {
            orphans.put(kind, counter(GatewayMeter.ORPHANS_RECLAIMED, kind.name().toLowerCase()));
        }
        this.bufferDepth = DistributionSummary.builder(GatewayMeter.OUTBOUND_BUFFER_DEPTH.getName())
                .description(GatewayMeter.OUTBOUND_BUFFER_DEPTH.getDescription())
                .baseUnit(GatewayMeter.OUTBOUND_BUFFER_DEPTH.getBaseUnit())
                .tags(tags(GatewayMeter.OUTBOUND_BUFFER_DEPTH, Meter.Type.DISTRIBUTION_SUMMARY))
                .serviceLevelObjectives(1, 4, 16, 64, 256, 1024, 4096)
                .register(registry);
    }

    /** What the auditor reclaims: the {@code kind} of {@code gateway_orphans_reclaimed_total}. */
    public enum Orphan {
        /** A hub subscriber that no registered connection owns. */
        SUBSCRIPTION,
        /** A registry entry whose socket or release is gone. */
        CONNECTION
    }

    /** The counter of orphans of this kind the auditor reclaimed (registered up front, like every meter). */
    public Counter orphansReclaimed(Orphan kind) {
        return orphans.get(kind);
    }

    /** The counter of node subscriptions the auditor repaired this way: {@code released} or {@code restored}. */
    public Counter brokerSubscriptionsReconciled(String action) {
        Counter counter = reconciled.get(action);
        if (counter == null) {
            throw new IllegalArgumentException("undocumented reconcile action " + action);
        }
        return counter;
    }

    /** Registers a counter of this documented meter with these tag values (in the meter's tag order). */
    public Counter counter(GatewayMeter meter, String... tagValues) {
        return Counter.builder(meter.getName())
                .description(meter.getDescription())
                .baseUnit(meter.getBaseUnit())
                .tags(tags(meter, Meter.Type.COUNTER, tagValues))
                .register(registry);
    }

    /** The meter's documented tag keys paired with these values; refuses a meter used against its documentation. */
    private static Tags tags(GatewayMeter meter, Meter.Type type, String... values) {
        KeyName[] keys = meter.getKeyNames();
        if (meter.getType() != type || keys.length != values.length) {
            throw new IllegalArgumentException(meter + " is documented as a " + meter.getType() + " with tags "
                    + Arrays.toString(keys) + ", not registered as a " + type + " with " + values.length + " tag value(s)");
        }
        Tags tags = Tags.empty();
        for (int i = 0; i < keys.length; i++) {
            tags = tags.and(keys[i].asString(), values[i]);
        }
        return tags;
    }

    /**
     * What this documented meter shows now, as a scrape would: a gauge's value or a counter's count, by the value
     * of its one tag (the key {@code ""} for an untagged meter). Read from the registry itself, so that a view of
     * these figures (the admin page's {@code /admin/stats}) can never drift from what Prometheus scrapes.
     */
    public Map<String, Double> read(GatewayMeter meter) {
        KeyName[] keys = meter.getKeyNames();
        if (keys.length > 1 || (meter.getType() != Meter.Type.GAUGE && meter.getType() != Meter.Type.COUNTER)) {
            throw new IllegalArgumentException(meter + " is not a gauge or counter with at most one tag");
        }
        Map<String, Double> values = new java.util.TreeMap<>();
        for (Meter registered : registry.find(meter.getName()).meters()) {
            String tag = keys.length == 0 ? "" : registered.getId().getTag(keys[0].asString());
            double value = registered instanceof Counter counter ? counter.count()
                    : registered instanceof Gauge gauge ? gauge.value() : Double.NaN;
            values.merge(tag == null ? "" : tag, value, Double::sum);
        }
        return values;
    }

    /** The one value of an untagged gauge or counter (0 when it is not registered, as a meter the wiring left out). */
    public double value(GatewayMeter meter) {
        return read(meter).values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** Registers a gauge whose value is read from the gateway's own state at scrape time. */
    public void gauge(GatewayMeter meter, Supplier<Number> value) {
        Gauge.builder(meter.getName(), value)
                .description(meter.getDescription())
                .baseUnit(meter.getBaseUnit())
                .tags(tags(meter, Meter.Type.GAUGE))
                .register(registry);
    }

    /** Registers a timer of this documented meter, with a latency histogram, and these tag values. */
    public io.micrometer.core.instrument.Timer timer(GatewayMeter meter, String... tagValues) {
        return io.micrometer.core.instrument.Timer.builder(meter.getName())
                .description(meter.getDescription())
                .tags(tags(meter, Meter.Type.TIMER, tagValues))
                .publishPercentileHistogram()
                .register(registry);
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
    public void opened(String transport, String protocol) {
        Counter counter = opened.get(transport + "/" + protocol);
        if (counter == null) {
            throw new IllegalArgumentException("undocumented transport " + transport + " with protocol " + protocol);
        }
        counter.increment();
    }

    @Override
    public void delivered() {
        delivered.increment();
    }

    /** A history stream dropped, by reason ({@code expired}, {@code memory}). */
    public void streamDropped(String reason) {
        Counter counter = streamsDropped.get(reason);
        if (counter == null) {
            throw new IllegalArgumentException("undocumented stream drop reason " + reason);
        }
        counter.increment();
    }

    public void rejected(Admission.Rejection reason) {
        rejected.get(reason).increment();
    }
}
