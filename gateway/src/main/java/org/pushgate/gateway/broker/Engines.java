package org.pushgate.gateway.broker;

import java.util.function.Consumer;

import org.pushgate.gateway.hub.Hub;

import reactor.core.scheduler.Scheduler;

/** The embedded engine for code outside this package that builds a hub of its own (the JMH benchmarks in load/). */
public final class Engines {

    private Engines() {
    }

    /**
     * @param dropped told the reason ({@code expired}, {@code memory}) of every stream dropped
     * @return a memory engine; it is also a {@code SmartLifecycle} (ttl expiry) that the caller starts if it wants it
     */
    public static Broker memory(Hub hub, HistoryPolicy policy, long maxBytes, Scheduler scheduler, Consumer<String> dropped) {
        return new MemoryBroker(hub, policy, maxBytes, scheduler,
                reason -> dropped.accept(reason.name().toLowerCase(java.util.Locale.ROOT)));
    }
}
