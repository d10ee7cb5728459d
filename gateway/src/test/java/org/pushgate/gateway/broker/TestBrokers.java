package org.pushgate.gateway.broker;

import java.time.Duration;
import java.util.Map;

import org.pushgate.gateway.hub.Hub;

import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** The memory engine for tests in other packages (its constructor is package-private). */
public final class TestBrokers {

    private TestBrokers() {
    }

    /** History of 100 messages per channel kept for an hour, 64 MiB over all, on the given clock. */
    public static Broker memory(Hub hub, Scheduler clock) {
        return memory(hub, clock, 100, Duration.ofHours(1), 64L << 20);
    }

    public static Broker memory(Hub hub) {
        return memory(hub, Schedulers.immediate());
    }

    public static Broker memory(Hub hub, Scheduler clock, int size, Duration ttl, long maxBytes) {
        return new MemoryBroker(hub, new HistoryPolicy(size, ttl, Map.of()), maxBytes, clock, reason -> { });
    }

    /**
     * The Redis engine on a real redis-server, attached to the hub as its node subscriptions and started (connected).
     * It is also a {@link BrokerSubscriptions} and a {@link org.pushgate.gateway.hub.NodeSubscriptions}; stop it with
     * {@link #stop}.
     */
    public static Broker redis(Hub hub, String uri) {
        return RedisBrokerContractTest.started(hub, BrokerContract.POLICY,
                RedisBrokerContractTest.settings(java.util.List.of(uri), Duration.ofSeconds(2)));
    }

    public static void stop(Broker redis) {
        RedisBrokerContractTest.stopped(redis);
    }

    /** Polls until the broker's asynchronous effect shows (Redis's answers come on Lettuce's threads). */
    public static void await(String what, java.util.function.BooleanSupplier condition,
                             java.util.function.Supplier<String> state) {
        BrokerContract.await(what, condition, state);
    }
}
