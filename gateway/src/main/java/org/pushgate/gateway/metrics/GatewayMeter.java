package org.pushgate.gateway.metrics;

/** Every meter the gateway registers, with its Prometheus name. */
public enum GatewayMeter {
    CONNECTIONS_ACTIVE("gateway.connections.active", "gateway_connections_active"),
    SUBSCRIPTIONS_ACTIVE("gateway.subscriptions.active", "gateway_subscriptions_active"),
    CHANNELS_ACTIVE("gateway.channels.active", "gateway_channels_active"),
    TIMERS_ACTIVE("gateway.connection.timers.active", "gateway_connection_timers_active"),
    CONNECTION_LIMIT("gateway.connections.limit", "gateway_connections_limit"),
    MESSAGES_PUBLISHED("gateway.messages.published", "gateway_messages_published_total"),
    MESSAGES_DELIVERED("gateway.messages.delivered", "gateway_messages_delivered_total"),
    MESSAGES_DROPPED("gateway.messages.dropped", "gateway_messages_dropped_total"),
    DISCONNECTS("gateway.disconnects", "gateway_disconnects_total"),
    CONNECTIONS_REJECTED("gateway.connections.rejected", "gateway_connections_rejected_total"),
    HISTORY_STREAMS_DROPPED("gateway.history.streams.dropped", "gateway_history_streams_dropped_total"),
    OUTBOUND_QUEUED_BYTES("gateway.outbound.queued.bytes", "gateway_outbound_queued_bytes"),
    OUTBOUND_BUFFER_DEPTH("gateway.outbound.buffer.depth", "gateway_outbound_buffer_depth_messages"),
    BROKER_PUBLISH("gateway.broker.publish", "gateway_broker_publish_seconds"),
    BROKER_ERRORS("gateway.broker.errors", "gateway_broker_errors_total"),
    BROKER_RECONNECTS("gateway.broker.reconnects", "gateway_broker_reconnects_total"),
    BROKER_RESUBSCRIBED("gateway.broker.resubscribed.channels", "gateway_broker_resubscribed_channels_total"),
    BROKER_SUBSCRIPTIONS("gateway.broker.subscriptions", "gateway_broker_subscriptions");

    private final String meterName;
    private final String prometheusName;

    GatewayMeter(String meterName, String prometheusName) {
        this.meterName = meterName;
        this.prometheusName = prometheusName;
    }

    public String meterName() {
        return meterName;
    }

    public String prometheusName() {
        return prometheusName;
    }
}
