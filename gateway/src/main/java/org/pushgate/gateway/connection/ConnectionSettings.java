package org.pushgate.gateway.connection;

import java.time.Duration;

/** The per-connection settings the pipeline needs, resolved once from configuration. */
public record ConnectionSettings(Duration heartbeatInterval,
                                 Duration livenessInterval,
                                 Duration livenessTimeout,
                                 int maxSubscriptions,
                                 int commandsPerSecond,
                                 int commandBurst,
                                 int rateLimitViolations,
                                 int maxRecovered) {
}
