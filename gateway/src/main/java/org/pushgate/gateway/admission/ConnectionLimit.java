package org.pushgate.gateway.admission;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Derives the connection limit from the process's open-file limit, so that the node answers 503 at its
 * limit instead of dying of {@code Too many open files}. Each WebSocket costs one descriptor; the rest
 * (jars, listeners, epoll, logs, outbound clients, sockets still in their HTTP handshake) needs headroom.
 */
public final class ConnectionLimit {

    private static final Logger log = LoggerFactory.getLogger(ConnectionLimit.class);

    private ConnectionLimit() {
    }

    /** The process's open-file limit, or -1 when the platform does not say. */
    public static long openFileLimit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return -1;
    }

    /**
     * @param configured gateway.limits.max-connections (0 = derive)
     * @param fileLimit the open-file limit, -1 when unknown
     * @param reserved descriptors kept free for everything that is not a client connection
     */
    public static int resolve(int configured, long fileLimit, int reserved) {
        if (fileLimit <= 0) {
            if (configured == 0) {
                log.warn("open-file limit unknown: gateway.limits.max-connections defaults to 10000; set it explicitly");
                return 10_000;
            }
            return configured;
        }
        long ceiling = Math.max(1, Math.min(Integer.MAX_VALUE, fileLimit - reserved));
        if (configured == 0) {
            log.info("connection limit {} (open-file limit {} minus {} reserved descriptors)", ceiling, fileLimit, reserved);
            return (int) ceiling;
        }
        if (configured > ceiling) {
            log.warn("gateway.limits.max-connections={} exceeds what the open-file limit {} allows (minus {} reserved): "
                            + "lowered to {} so that the node answers 503 instead of failing with 'Too many open files'",
                    configured, fileLimit, reserved, ceiling);
            return (int) ceiling;
        }
        return configured;
    }
}
