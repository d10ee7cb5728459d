package org.pushgate.gateway.connection;

import java.time.Duration;

import org.pushgate.gateway.hub.OverflowPolicy;

/** The per-connection settings the pipeline needs, resolved once from configuration. */
public record ConnectionSettings(Duration heartbeatInterval,
                                 Duration livenessInterval,
                                 Duration livenessTimeout,
                                 int bufferSize,
                                 OverflowPolicy overflow,
                                 int maxSubscriptions,
                                 int commandsPerSecond,
                                 int commandBurst,
                                 int rateLimitViolations) {

    /** Settings with generous command limits, for tests that are not about rate limiting. */
    public ConnectionSettings(Duration heartbeatInterval, Duration livenessInterval, Duration livenessTimeout,
                              int bufferSize, OverflowPolicy overflow, int maxSubscriptions) {
        this(heartbeatInterval, livenessInterval, livenessTimeout, bufferSize, overflow, maxSubscriptions, 1_000_000, 1_000_000, 1_000);
    }
}
