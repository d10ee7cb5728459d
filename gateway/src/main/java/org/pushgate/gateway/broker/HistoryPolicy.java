package org.pushgate.gateway.broker;

import java.time.Duration;
import java.util.Map;

import org.pushgate.gateway.config.GatewayProperties;

/** How much history each channel keeps, and for how long: the defaults and their per-namespace exceptions. */
public record HistoryPolicy(int size, Duration ttl, Map<String, GatewayProperties.History.Namespace> namespaces) {

    public static HistoryPolicy of(GatewayProperties.History history) {
        return new HistoryPolicy(history.size(), history.ttl(), history.namespaces());
    }

    /** Messages the channel's stream keeps (0: none). */
    public int sizeOf(String channel) {
        GatewayProperties.History.Namespace rule = rule(channel);
        return rule != null && rule.size() != null ? rule.size() : size;
    }

    /** How long the channel's stream lives after its last publish. */
    public Duration ttlOf(String channel) {
        GatewayProperties.History.Namespace rule = rule(channel);
        return rule != null && rule.ttl() != null ? rule.ttl() : ttl;
    }

    private GatewayProperties.History.Namespace rule(String channel) {
        if (namespaces.isEmpty()) {
            return null;
        }
        int colon = channel.indexOf(':');
        return colon > 0 ? namespaces.get(channel.substring(0, colon)) : null;
    }
}
