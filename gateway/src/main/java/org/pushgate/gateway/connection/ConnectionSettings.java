package org.pushgate.gateway.connection;

import java.time.Duration;

import org.pushgate.gateway.hub.OverflowPolicy;

/** The per-connection settings the pipeline needs, resolved once from configuration. */
public record ConnectionSettings(Duration heartbeatInterval,
                                 Duration livenessInterval,
                                 Duration livenessTimeout,
                                 int bufferSize,
                                 OverflowPolicy overflow,
                                 int maxSubscriptions) {
}
