package org.pushgate.gateway.config;

import java.time.Duration;

import org.pushgate.gateway.hub.OverflowPolicy;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Every {@code gateway.*} setting, typed and validated at startup. A bad value fails the start with a
 * message that names the key; defaults are the safe production values documented in the README.
 */
@ConfigurationProperties("gateway")
public record GatewayProperties(
        @DefaultValue Heartbeat heartbeat,
        @DefaultValue Liveness liveness,
        @DefaultValue Outbound outbound,
        @DefaultValue Limits limits,
        @DefaultValue Api api,
        @DefaultValue Shutdown shutdown,
        @DefaultValue Audit audit) {

    public record Heartbeat(@DefaultValue("25s") Duration interval) {
        public Heartbeat {
            requirePositive("gateway.heartbeat.interval", interval);
        }
    }

    public record Liveness(@DefaultValue("25s") Duration interval, @DefaultValue("10s") Duration timeout) {
        public Liveness {
            requirePositive("gateway.liveness.interval", interval);
            requirePositive("gateway.liveness.timeout", timeout);
        }
    }

    public record Outbound(@DefaultValue("1024") int bufferSize,
                           @DefaultValue("disconnect") OverflowPolicy overflow) {
        public Outbound {
            requireRange("gateway.outbound.buffer-size", bufferSize, 1, 1 << 20);
        }
    }

    /**
     * @param maxConnections 0 derives the limit from the process's open-file limit
     * @param maxConnectionsPerAddress 0 means no per-address limit
     */
    public record Limits(@DefaultValue("65536") int maxFrameBytes,
                         @DefaultValue("100") int maxSubscriptionsPerConnection,
                         @DefaultValue("128") int maxChannelNameLength,
                         @DefaultValue("0") int maxConnections,
                         @DefaultValue("0") int maxConnectionsPerAddress,
                         @DefaultValue("65536") int maxPublishBytes,
                         @DefaultValue("1000") int maxBroadcastChannels,
                         @DefaultValue("500") int reservedFileDescriptors) {
        public Limits {
            requireRange("gateway.limits.max-frame-bytes", maxFrameBytes, 64, 16 << 20);
            requireRange("gateway.limits.max-subscriptions-per-connection", maxSubscriptionsPerConnection, 1, 100_000);
            requireRange("gateway.limits.max-channel-name-length", maxChannelNameLength, 1, 1024);
            requireRange("gateway.limits.max-connections", maxConnections, 0, Integer.MAX_VALUE);
            requireRange("gateway.limits.max-connections-per-address", maxConnectionsPerAddress, 0, Integer.MAX_VALUE);
            requireRange("gateway.limits.max-publish-bytes", maxPublishBytes, 64, 64 << 20);
            requireRange("gateway.limits.max-broadcast-channels", maxBroadcastChannels, 1, 1_000_000);
            requireRange("gateway.limits.reserved-file-descriptors", reservedFileDescriptors, 0, 1_000_000);
        }
    }

    /** @param key when empty, the publish and admin APIs accept loopback clients only */
    public record Api(@DefaultValue("") String key) {
        public boolean keyConfigured() {
            return key != null && !key.isBlank();
        }

        @Override
        public String toString() {
            return "Api[key=" + (keyConfigured() ? "<redacted>" : "<none>") + "]";
        }
    }

    public record Shutdown(@DefaultValue("10s") Duration grace) {
        public Shutdown {
            requireNonNegative("gateway.shutdown.grace", grace);
        }
    }

    /** @param interval how often the auditor reconciles the hub and registry with the open sockets */
    public record Audit(@DefaultValue("60s") Duration interval) {
        public Audit {
            requirePositive("gateway.audit.interval", interval);
        }
    }

    private static void requirePositive(String key, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be a positive duration (e.g. 25s), was " + d);
        }
    }

    private static void requireNonNegative(String key, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be zero or a positive duration (e.g. 10s), was " + d);
        }
    }

    private static void requireRange(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(key + " must be between " + min + " and " + max + ", was " + value);
        }
    }
}
