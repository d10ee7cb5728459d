package org.pushgate.gateway.broker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.redis.RedisServer;

/** The Broker contract on the Redis engine, against a real redis-server of its own. */
class RedisBrokerContractTest extends BrokerContract {

    private static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    static GatewayProperties.Broker.Redis settings(List<String> uris, Duration timeout) {
        return new GatewayProperties.Broker.Redis(uris, timeout, "pushgate", Duration.ofMillis(200), 10_000);
    }

    static RedisBroker started(org.pushgate.gateway.hub.Hub hub, HistoryPolicy policy, GatewayProperties.Broker.Redis settings) {
        RedisBroker broker = new RedisBroker(hub, policy, settings, new NoEvents());
        hub.attach(broker);
        broker.start();
        await("the broker to connect", broker::available);
        return broker;
    }

    static void stopped(Broker broker) {
        CountDownLatch done = new CountDownLatch(1);
        ((RedisBroker) broker).stop(done::countDown);
        try {
            if (!done.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the redis broker did not stop within 10 s");
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    Broker create(RecordingHub hub, HistoryPolicy policy) {
        return started(hub, policy, settings(List.of(redis.uri()), Duration.ofSeconds(2)));
    }

    @Override
    void destroy(Broker broker) {
        stopped(broker);
    }

    /** Counts nothing. */
    static class NoEvents implements RedisBroker.Events {
        @Override
        public void published(long nanos, boolean ok) {
        }

        @Override
        public void failed(String operation) {
        }

        @Override
        public void subscribeFailed() {
        }

        @Override
        public void reconnected(String shard) {
        }

        @Override
        public void resubscribed(int channels) {
        }
    }
}
