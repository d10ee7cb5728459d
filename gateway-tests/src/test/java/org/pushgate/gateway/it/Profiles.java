package org.pushgate.gateway.it;

/**
 * Gateway settings shared by several test classes. Classes that list the same settings in the same order
 * share one running gateway (Spring's context cache), which keeps the module fast.
 */
final class Profiles {

    /** Protocol limits small enough to hit from a test. */
    static final String SMALL_FRAMES = "gateway.limits.max-frame-bytes=1024";
    static final String FEW_SUBSCRIPTIONS = "gateway.limits.max-subscriptions-per-connection=5";
    static final String SMALL_PUBLISH = "gateway.limits.max-publish-bytes=4096";

    /** A liveness probe fast enough to watch: a ping every 500 ms, 500 ms to answer it. */
    static final String LIVENESS_INTERVAL = "gateway.liveness.interval=500ms";
    static final String LIVENESS_TIMEOUT = "gateway.liveness.timeout=500ms";
    static final String FAST_HEARTBEAT = "gateway.heartbeat.interval=200ms";

    /**
     * Stress tests send commands as fast as their threads can: the per-connection command rate limit would
     * turn that into rate_limited errors and closes.
     */
    static final String UNLIMITED_COMMANDS = "gateway.limits.commands-per-second=1000000";
    static final String UNLIMITED_BURST = "gateway.limits.command-burst=1000000";

    private Profiles() {
    }
}
