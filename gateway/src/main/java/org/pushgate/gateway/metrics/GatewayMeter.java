package org.pushgate.gateway.metrics;

import io.micrometer.common.docs.KeyName;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.docs.MeterDocumentation;

/**
 * Every meter the gateway registers, documented in one place (in the style of reactor-netty's
 * {@code HttpServerMeters}): its Micrometer name, type, description, base unit and tag keys.
 * {@link GatewayMetrics} registers each meter only through its constant here, so a meter cannot exist
 * without this documentation. The Prometheus names (dots become underscores, counters gain {@code _total},
 * the base unit is appended) are the ones the README's Metrics table lists.
 */
public enum GatewayMeter implements MeterDocumentation {

    /** Open client connections. */
    CONNECTIONS_ACTIVE("gateway.connections.active", Meter.Type.GAUGE,
            "Open client connections"),

    /** Channel subscriptions held by open connections. */
    SUBSCRIPTIONS_ACTIVE("gateway.subscriptions.active", Meter.Type.GAUGE,
            "Channel subscriptions held by open connections"),

    /** Channels with at least one subscriber. */
    CHANNELS_ACTIVE("gateway.channels.active", Meter.Type.GAUGE,
            "Channels with at least one subscriber"),

    /**
     * Per-connection timers: a connection's keep-alive lanes in its loop's wheel (1, or 2 with unequal heartbeat and
     * liveness intervals), plus its auth deadline in jwt mode.
     */
    TIMERS_ACTIVE("gateway.connection.timers.active", Meter.Type.GAUGE,
            "Per-connection timers (keep-alive lanes, auth deadline) held"),

    /** The connection limit in force. */
    CONNECTION_LIMIT("gateway.connections.limit", Meter.Type.GAUGE,
            "The connection limit in force (503 above it)"),

    /** Publishes, counted once per channel. */
    MESSAGES_PUBLISHED("gateway.messages.published", Meter.Type.COUNTER,
            "Messages published to a channel (once per channel per publish)"),

    /** Message frames handed to client sockets. */
    MESSAGES_DELIVERED("gateway.messages.delivered", Meter.Type.COUNTER,
            "Message frames handed to a client socket"),

    /** Messages a subscriber did not get: {@code slow_consumer}, {@code drop_oldest}, {@code contended}. */
    MESSAGES_DROPPED("gateway.messages.dropped", Meter.Type.COUNTER,
            "Messages a subscriber did not get, by reason", null, Tag.REASON),

    /**
     * Connections admitted and opened, by transport ({@code ws}, {@code sse}) and client protocol ({@code pushgate},
     * {@code centrifugo}).
     */
    CONNECTIONS_OPENED("gateway.connections.opened", Meter.Type.COUNTER,
            "Client connections admitted and opened, by transport and client protocol", null, Tag.TRANSPORT, Tag.PROTOCOL),

    /** Connections ended, by close reason. */
    DISCONNECTS("gateway.disconnects", Meter.Type.COUNTER,
            "Connections ended, by reason", null, Tag.REASON),

    /** Refused upgrades, by reason. */
    CONNECTIONS_REJECTED("gateway.connections.rejected", Meter.Type.COUNTER,
            "WebSocket upgrades refused (403 origin, 429 rate, 503 limits and shutdown), by reason", null, Tag.REASON),

    // The edge (package edge): sockets from accept on, before any HTTP request or upgrade exists.

    /** Accepted client-facing sockets open, each holding a descriptor. */
    SOCKETS_OPEN("gateway.sockets.open", Meter.Type.GAUGE,
            "Accepted client-facing sockets open (each holds a descriptor)"),

    /** The socket budget: past it a new socket is answered 503 and closed. */
    SOCKETS_LIMIT("gateway.sockets.limit", Meter.Type.GAUGE,
            "The socket budget: past it a new socket is answered 503 and closed"),

    /** Accepted sockets whose first request head or upgrade is not done. */
    HANDSHAKES_PENDING("gateway.handshakes.pending", Meter.Type.GAUGE,
            "Accepted sockets whose first request head or upgrade is not done"),

    /** Sockets closed before they became a served request or a WebSocket, by reason. */
    HANDSHAKES_FAILED("gateway.handshakes.failed", Meter.Type.COUNTER,
            "Sockets closed before they became a served request or a WebSocket, by reason", null, Tag.REASON),

    /** History streams dropped, by reason ({@code expired}, {@code memory}, {@code forgotten}): their next use starts a new epoch. */
    HISTORY_STREAMS_DROPPED("gateway.history.streams.dropped", Meter.Type.COUNTER,
            "History streams dropped (their next use starts a new epoch), by reason", null, Tag.REASON),

    // The Redis broker (registered only with gateway.broker.type=redis).

    /** Time from a publish to Redis's answer (the Lua script), by outcome. */
    BROKER_PUBLISH("gateway.broker.publish", Meter.Type.TIMER,
            "Time from a publish to Redis's answer (the Lua script), by outcome", "seconds", Tag.OUTCOME),

    /** Broker operations that failed because Redis was unreachable, slow or paused, by operation. */
    BROKER_ERRORS("gateway.broker.errors", Meter.Type.COUNTER,
            "Broker operations that failed because Redis was unreachable, slow or paused, by operation", null, Tag.OPERATION),

    /** Pub/sub connections to Redis re-established. */
    BROKER_RECONNECTS("gateway.broker.reconnects", Meter.Type.COUNTER,
            "Pub/sub connections to Redis re-established"),

    /** Channels subscribed again and checked for a gap after a pub/sub (re)connect. */
    BROKER_RESUBSCRIBED("gateway.broker.resubscribed.channels", Meter.Type.COUNTER,
            "Channels subscribed again and checked for a gap after a pub/sub (re)connect"),

    /** Channels this node is subscribed to at Redis: held exactly while the hub has a local subscriber. */
    BROKER_SUBSCRIPTIONS("gateway.broker.subscriptions", Meter.Type.GAUGE,
            "Channels this node is subscribed to at Redis (held exactly while the hub has a local subscriber)"),

    /**
     * Node subscriptions the auditor repaired, by action: {@code released} (held for a channel the hub does not
     * have open), {@code restored} (a channel the hub has open, not subscribed). Should stay 0; always registered
     * (0 with the memory engine, which has no node subscriptions).
     */
    BROKER_SUBSCRIPTIONS_RECONCILED("gateway.broker.subscriptions.reconciled", Meter.Type.COUNTER,
            "Node subscriptions at the broker the auditor repaired (released: not needed by the hub; restored: needed and missing), by action",
            null, Tag.ACTION),

    /** Payload bytes queued in every subscriber buffer together: the process fence applies to it. */
    OUTBOUND_QUEUED_BYTES("gateway.outbound.queued.bytes", Meter.Type.GAUGE,
            "Payload bytes queued in every subscriber buffer"),

    /** A subscriber buffer's depth after a frame had to wait in it; frames the socket took at once are not recorded. */
    OUTBOUND_BUFFER_DEPTH("gateway.outbound.buffer.depth", Meter.Type.DISTRIBUTION_SUMMARY,
            "Depth of a subscriber's outbound buffer after a frame had to wait in it (frames sent at once are not recorded)",
            "messages"),

    /** Resources the auditor found without an owner and released (should stay 0): {@code subscription}, {@code connection}. */
    ORPHANS_RECLAIMED("gateway.orphans.reclaimed", Meter.Type.COUNTER,
            "Resources the auditor found without an owner and released", null, Tag.KIND);

    private final String name;
    private final Meter.Type type;
    private final String description;
    private final String baseUnit;
    private final Tag[] tags;

    GatewayMeter(String name, Meter.Type type, String description) {
        this(name, type, description, null);
    }

    GatewayMeter(String name, Meter.Type type, String description, String baseUnit, Tag... tags) {
        this.name = name;
        this.type = type;
        this.description = description;
        this.baseUnit = baseUnit;
        this.tags = tags;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public Meter.Type getType() {
        return type;
    }

    /** The meter's description (Prometheus HELP); MeterDocumentation keeps it in Javadoc only, we need it at runtime. */
    public String getDescription() {
        return description;
    }

    @Override
    public String getBaseUnit() {
        return baseUnit;
    }

    @Override
    public KeyName[] getKeyNames() {
        return tags.clone();
    }

    /** The tag keys of the gateway's meters. */
    public enum Tag implements KeyName {

        /** Why a message was dropped, a connection ended or an upgrade was refused. */
        REASON("reason"),

        /** What kind of resource the auditor reclaimed. */
        KIND("kind"),
        /** How an operation ended ({@code ok}, {@code unavailable}). */
        OUTCOME("outcome"),
        /** Which broker operation ({@code publish}, {@code history}, {@code subscribe}). */
        OPERATION("operation"),

        /** What the auditor did to a node subscription ({@code released}, {@code restored}). */
        ACTION("action"),

        /** What carries a connection: {@code ws} (WebSocket) or {@code sse} (Server-Sent Events). */
        TRANSPORT("transport"),

        /** What a connection speaks: {@code pushgate} (/ws, /sse) or {@code centrifugo} (/connection/websocket). */
        PROTOCOL("protocol");

        private final String key;

        Tag(String key) {
            this.key = key;
        }

        @Override
        public String asString() {
            return key;
        }
    }
}
