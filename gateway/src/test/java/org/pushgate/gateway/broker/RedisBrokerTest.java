package org.pushgate.gateway.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.pushgate.gateway.broker.BrokerContract.POLICY;
import static org.pushgate.gateway.broker.BrokerContract.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.pushgate.gateway.redis.RedisServer;

/**
 * What only the Redis engine does: node subscriptions held exactly while the hub has a channel open (and none
 * left after 100,000 open/close cycles), Redis killed or paused (publishes fail in time, then recover, and the
 * hub is told the position after a reconnect), channels spread over two instances.
 */
@Timeout(90)
class RedisBrokerTest {

    // The broker's operation timeout: short, so that the "fails in time" checks stay quick, but not so short that a
    // publish on a busy two-core box times out while Redis is up (500 ms did in CI under load).
    private static final Duration TIMEOUT = Duration.ofMillis(1500);
    private final List<RedisServer> servers = new ArrayList<>();
    private final List<RedisBroker> brokers = new ArrayList<>();

    @AfterEach
    void stopAll() {
        brokers.forEach(RedisBrokerContractTest::stopped);
        servers.forEach(RedisServer::close);
    }

    private RedisServer redis() {
        RedisServer server = RedisServer.start();
        servers.add(server);
        return server;
    }

    private RedisBroker broker(RecordingHub hub, RedisServer... on) {
        List<String> uris = new ArrayList<>();
        for (RedisServer server : on) {
            uris.add(server.uri());
        }
        RedisBroker broker = RedisBrokerContractTest.started(hub, POLICY, RedisBrokerContractTest.settings(uris, TIMEOUT));
        brokers.add(broker);
        return broker;
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final int WAIT_EVERY = 20;

    @Test
    void aHundredThousandOpenCloseCyclesLeaveNoSubscriptionAtRedis() {
        RedisServer redis = redis();
        RecordingHub hub = new RecordingHub();
        RedisBroker broker = broker(hub, redis);
        int channels = 1_000;
        int cycles = 100_000;
        for (int i = 0; i < cycles; i++) {
            String channel = "churn:" + (i % channels);
            hub.open(channel);
            if (i % WAIT_EVERY == 0) {
                // Every 20th cycle waits until Redis holds the subscription, so that 5,000 of them are real
                // SUBSCRIBE/UNSUBSCRIBE pairs at Redis; the others meet in the worker's queue and cancel out.
                broker.shardOf(channel).subscriptions.ready(channel).block(Duration.ofSeconds(5));
            }
            hub.close(channel);
        }
        hub.open("churn:kept"); // one left open: held, exactly once
        await("no subscription but the kept one at the broker", () -> broker.held().equals(java.util.Set.of("churn:kept")),
                () -> "held " + broker.heldCount());
        await("redis to show only the kept channel", () -> redis.channels("pushgate:ch:*").equals(List.of("pushgate:ch:churn:kept")),
                () -> redis.channels("pushgate:ch:*").size() + " channels at redis");
        assertThat(redis.subscribers("pushgate:ch:churn:0")).isZero();
        assertThat(redis.subscribers("pushgate:ch:churn:kept")).isEqualTo(1);
        assertThat(broker.reconcile(java.util.Set.of("churn:kept"))).isEqualTo(new BrokerSubscriptions.Reconciled(1, 0, 0, 0));
        hub.close("churn:kept");
        await("nothing left at redis", () -> redis.channels("pushgate:ch:*").isEmpty() && broker.heldCount() == 0);
        List<String> churned = new ArrayList<>();
        for (int i = 0; i < channels; i++) {
            churned.add("pushgate:ch:churn:" + i);
        }
        churned.add("pushgate:ch:churn:kept");
        assertThat(redis.subscribers(churned)).as("PUBSUB NUMSUB over every churned channel").isZero();
        assertThat(churned).hasSize(channels + 1);
        // Most open/close pairs meet in the worker's queue and cancel out before any command is sent (that is the
        // batching); the ones that waited for Redis did reach it, each as a real SUBSCRIBE and UNSUBSCRIBE.
        String stats = redis.command("INFO", "commandstats");
        System.out.println("churn: redis saw " + commandCalls(stats, "subscribe") + " SUBSCRIBE and "
                + commandCalls(stats, "unsubscribe") + " UNSUBSCRIBE commands for " + cycles + " open/close cycles");
        assertThat(commandCalls(stats, "subscribe")).isGreaterThanOrEqualTo(cycles / WAIT_EVERY);
        assertThat(commandCalls(stats, "unsubscribe")).isGreaterThanOrEqualTo(cycles / WAIT_EVERY);
    }

    /** calls= of one command in INFO commandstats. */
    private static long commandCalls(String stats, String command) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(stats);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void whenRedisIsKilledPublishesFailInTimeAndAfterItsRestartTheHubLearnsTheNewPosition() {
        RedisServer redis = redis();
        RecordingHub hub = new RecordingHub();
        RedisBroker broker = broker(hub, redis);
        hub.open("k:a");
        broker.history("k:a", 0, 0).block(Duration.ofSeconds(5));
        Published before = broker.publish("k:a", json("{}")).block(Duration.ofSeconds(5));
        await("the delivery", () -> hub.delivered("k:a").size() == 1);

        redis.kill();
        long start = System.nanoTime();
        assertThatThrownBy(() -> broker.publish("k:a", json("{}")).block(Duration.ofSeconds(5)))
                .isInstanceOf(BrokerUnavailableException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TIMEOUT.plusSeconds(1));
        assertThatThrownBy(() -> broker.history("k:a", 0, 10).block(Duration.ofSeconds(5)))
                .isInstanceOf(BrokerUnavailableException.class);
        await("readiness down", () -> !broker.available());

        redis.restart();
        await("readiness up again", broker::available);
        await("the hub told the position of the new stream", () -> hub.catchUps("k:a").stream()
                .anyMatch(c -> !c.epoch().equals(before.position().epoch())), () -> hub.calls("k:a").toString());
        assertThat(redis.subscribers("pushgate:ch:k:a")).isEqualTo(1);
        Published after = broker.publish("k:a", json("{}")).block(Duration.ofSeconds(5));
        assertThat(after.position().epoch()).isNotEqualTo(before.position().epoch()); // history was lost with Redis
        await("live deliveries again", () -> hub.delivered("k:a").size() == 2);
    }

    /**
     * A stream that lost writes (a failover to a lagging replica: its offset went back under the same epoch): a
     * position beyond its top never recovers; once two nodes both report the repeat, both move it to ONE new epoch
     * (only the first report changes it), its old history is gone, and the old epoch no longer recovers.
     */
    @Test
    void aStreamThatLostWritesMovesToOneNewEpochWhateverHowManyNodesReportIt() {
        RedisServer redis = redis();
        RecordingHub first = new RecordingHub();
        RecordingHub second = new RecordingHub();
        RedisBroker a = broker(first, redis);
        RedisBroker b = broker(second, redis);
        Duration wait = Duration.ofSeconds(5);
        StreamPosition top = null;
        for (int n = 1; n <= 4; n++) {
            top = a.publish("lost:a", json("{\"n\":" + n + "}")).block(wait).position();
        }
        String epoch = top.epoch();
        // What the new master holds: the first two publishes only, same epoch.
        redis.command("HSET", "pushgate:meta:lost:a", "o", "2");
        redis.command("DEL", "pushgate:stream:lost:a");
        redis.command("XADD", "pushgate:stream:lost:a", "1-0", "d", "{\"n\":1}");
        redis.command("XADD", "pushgate:stream:lost:a", "2-0", "d", "{\"n\":2}");
        History beyond = a.history("lost:a", 4, 10).block(wait);
        assertThat(beyond.top()).isEqualTo(new StreamPosition(2, epoch));
        assertThat(beyond.continuousFrom(4, epoch)).as("since beyond the top under the same epoch").isFalse();

        a.publish("lost:a", json("{\"n\":30}")).block(wait); // offset 3 again
        a.lostWrites("lost:a", epoch);
        b.lostWrites("lost:a", epoch);
        await("both nodes told the new position", () -> first.catchUps("lost:a").size() == 1 && second.catchUps("lost:a").size() == 1,
                () -> first.calls("lost:a") + " / " + second.calls("lost:a"));
        RecordingHub.Call renewed = first.catchUps("lost:a").get(0);
        assertThat(renewed.epoch()).isNotEqualTo(epoch);
        assertThat(renewed.offset()).isEqualTo(3);
        assertThat(second.catchUps("lost:a").get(0)).isEqualTo(renewed);

        History old = b.history("lost:a", 2, 10).block(wait);
        assertThat(old.top()).isEqualTo(new StreamPosition(3, renewed.epoch()));
        assertThat(old.messages()).as("the old epoch's history is dropped").isEmpty();
        assertThat(old.continuousFrom(2, epoch)).isFalse();
        StreamPosition next = b.publish("lost:a", json("{}")).block(wait).position();
        assertThat(next).isEqualTo(new StreamPosition(4, renewed.epoch()));
        assertThat(b.history("lost:a", 3, 10).block(wait).continuousFrom(3, renewed.epoch())).isTrue();
    }

    @Test
    void whenRedisIsPausedPublishesFailInTimeAndFlowAgainWhenItResumes() {
        RedisServer redis = redis();
        RecordingHub hub = new RecordingHub();
        RedisBroker broker = broker(hub, redis);
        hub.open("p:a");
        broker.history("p:a", 0, 0).block(Duration.ofSeconds(5));
        broker.publish("p:a", json("{}")).block(Duration.ofSeconds(5));

        redis.pause();
        try {
            long start = System.nanoTime();
            assertThatThrownBy(() -> broker.publish("p:a", json("{}")).block(Duration.ofSeconds(5)))
                    .isInstanceOf(BrokerUnavailableException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TIMEOUT.plusSeconds(1));
            await("readiness down while paused", () -> !broker.available());
        }
        finally {
            redis.resume();
        }
        await("readiness up again", broker::available);
        Published next = broker.publish("p:a", json("{}")).block(Duration.ofSeconds(5));
        // The timed-out publish may or may not have been applied: it was sent, and Redis ran it when it resumed.
        assertThat(next.position().offset()).isBetween(2L, 3L);
        await("the hub got every applied message in order", () -> hub.delivered("p:a").equals(
                java.util.stream.LongStream.rangeClosed(1, next.position().offset()).boxed().toList()),
                () -> hub.delivered("p:a").toString());
    }

    @Test
    void channelsAreSpreadOverTwoInstancesAndEachKeepsItsOrder() {
        RedisServer first = redis();
        RedisServer second = redis();
        RecordingHub hub = new RecordingHub();
        RedisBroker broker = broker(hub, first, second);
        List<String> channels = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            channels.add("two:" + i);
            hub.open("two:" + i);
        }
        for (String channel : channels) {
            broker.history(channel, 0, 0).block(Duration.ofSeconds(5));
        }
        for (int n = 0; n < 20; n++) {
            for (String channel : channels) {
                broker.publish(channel, json("{\"n\":" + n + "}")).block(Duration.ofSeconds(5));
            }
        }
        List<Long> expected = java.util.stream.LongStream.rangeClosed(1, 20).boxed().toList();
        for (String channel : channels) {
            await("20 messages in order on " + channel, () -> hub.delivered(channel).equals(expected),
                    () -> hub.delivered(channel).toString());
        }
        int onFirst = first.channels("pushgate:ch:*").size();
        int onSecond = second.channels("pushgate:ch:*").size();
        assertThat(onFirst + onSecond).isEqualTo(40);
        assertThat(onFirst).as("channels on the first instance").isBetween(8, 32);
        for (String channel : channels) {
            RedisServer home = broker.shardOf(channel).name.endsWith(":" + first.port() + "/0") ? first : second;
            assertThat(home.command("HGET", "pushgate:meta:" + channel, "o")).isEqualTo("20");
        }
    }
}
