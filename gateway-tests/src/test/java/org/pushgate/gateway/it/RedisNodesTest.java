package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.LeakGuard;
import org.pushgate.gateway.it.support.RunningGateway;
import org.pushgate.gateway.it.support.TestClient;
import org.pushgate.gateway.redis.RedisServer;

import tools.jackson.databind.JsonNode;

/**
 * Several gateways, one Redis: what a publish on one node does on the others (in order), recovery across nodes,
 * history trimmed or expired, and the node subscriptions every gateway holds at Redis (none once its last
 * subscriber left). Real gateways (a Spring context each, on its own port) and a real redis-server.
 */
@ExtendWith(LeakGuard.class)
@Timeout(60)
class RedisNodesTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    private static RedisServer redis;
    private static final List<RunningGateway> nodes = new ArrayList<>();
    private static GatewayProbe a;
    private static GatewayProbe b;
    private static GatewayProbe c;

    /** A gateway on these Redis instances, with short timeouts, {@code tiny:} keeping 3 messages, {@code brief:} 1 s. */
    static RunningGateway gateway(String uris, String... more) {
        List<String> properties = new ArrayList<>(List.of(
                "gateway.broker.type=redis",
                "gateway.broker.redis.uris=" + uris,
                "gateway.broker.redis.timeout=500ms",
                "gateway.broker.redis.reconnect-max-delay=200ms",
                "gateway.history.namespaces.tiny.size=3",
                "gateway.history.namespaces.brief.ttl=1s"));
        properties.addAll(List.of(more));
        return RunningGateway.start(properties.toArray(String[]::new));
    }

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        for (int i = 0; i < 3; i++) {
            nodes.add(gateway(redis.uri()));
        }
        a = nodes.get(0).probe();
        b = nodes.get(1).probe();
        c = nodes.get(2).probe();
    }

    @AfterAll
    static void stop() {
        nodes.forEach(RunningGateway::close);
        nodes.clear();
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void watchNodes() {
        nodes.forEach(node -> LeakGuard.watch(node.probe()));
    }

    @AfterEach
    void noSubscriptionLeftAtRedis() {
        Eventually.await(LeakGuard.WITHIN, () -> "no node subscription left at redis, but " + redis.channels("pushgate:*"),
                () -> redis.channels("pushgate:*").isEmpty());
        for (RunningGateway node : nodes) {
            Eventually.await(LeakGuard.WITHIN, "gateway_broker_subscriptions back to 0",
                    () -> node.probe().metric("gateway_broker_subscriptions") == 0);
        }
    }

    static JsonNode publish(GatewayProbe node, String channel, String data) {
        GatewayProbe.Response response = node.publish(channel, data);
        assertThat(response.status()).as("publish answer %s", response).isEqualTo(200);
        return response.json();
    }

    static JsonNode subscribeSince(TestClient client, String channel, long offset, String epoch) {
        int id = client.nextId();
        client.send("{\"op\":\"subscribe\",\"channel\":\"" + channel + "\",\"id\":" + id
                + ",\"since\":{\"offset\":" + offset + ",\"epoch\":\"" + epoch + "\"}}");
        return client.reply(id);
    }

    static List<Long> offsets(TestClient client, String channel) {
        return client.messages(channel).stream().map(m -> m.get("offset").asLong()).toList();
    }

    static void awaitOffsets(TestClient client, String channel, List<Long> expected) {
        Eventually.await(WAIT, () -> channel + " offsets " + expected + ", got " + offsets(client, channel),
                () -> offsets(client, channel).size() >= expected.size());
        assertThat(offsets(client, channel)).isEqualTo(expected);
    }

    static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(i);
        }
        return out;
    }

    @Test
    void aPublishOnOneNodeReachesTheSubscribersOfTheOthersInOrder() {
        try (TestClient onB = TestClient.connect(b.ws()); TestClient onC = TestClient.connect(c.ws())) {
            assertThat(Json.text(onB.subscribe("fan:1"), "op")).isEqualTo("subscribed");
            assertThat(Json.text(onC.subscribe("fan:1"), "op")).isEqualTo("subscribed");
            JsonNode first = publish(a, "fan:1", "{\"n\":1}");
            assertThat(first.get("subscribers").asInt()).as("nodes that received it (Redis PUBLISH's count)").isEqualTo(2);
            for (int n = 2; n <= 50; n++) {
                publish(a, "fan:1", "{\"n\":" + n + "}");
            }
            awaitOffsets(onB, "fan:1", range(1, 50));
            awaitOffsets(onC, "fan:1", range(1, 50));
            assertThat(onC.messages("fan:1").get(49).get("data").get("n").asInt()).isEqualTo(50);
        }
    }

    @Test
    void aClientThatLeftOneNodeRecoversExactlyWhatItMissedOnAnother() {
        String epoch;
        try (TestClient onA = TestClient.connect(a.ws())) {
            epoch = Json.text(onA.subscribe("rec:1"), "epoch");
            for (int n = 1; n <= 3; n++) {
                publish(b, "rec:1", "{\"n\":" + n + "}");
            }
            awaitOffsets(onA, "rec:1", range(1, 3));
        }
        for (int n = 4; n <= 8; n++) {
            publish(c, "rec:1", "{\"n\":" + n + "}");
        }
        try (TestClient onB = TestClient.connect(b.ws())) {
            JsonNode reply = subscribeSince(onB, "rec:1", 3, epoch);
            assertThat(reply.get("recovered").asBoolean()).as("reply %s", reply).isTrue();
            assertThat(reply.get("offset").asLong()).isEqualTo(8);
            publish(a, "rec:1", "{\"n\":9}");
            awaitOffsets(onB, "rec:1", range(4, 9));
        }
    }

    @Test
    void historyTrimmedBeyondTheClientsPositionGivesRecoveredFalse() {
        JsonNode first = publish(a, "tiny:1", "{}");
        for (int n = 2; n <= 10; n++) {
            publish(b, "tiny:1", "{}");
        }
        try (TestClient onC = TestClient.connect(c.ws())) {
            JsonNode reply = subscribeSince(onC, "tiny:1", 1, Json.text(first, "epoch"));
            assertThat(reply.get("recovered").asBoolean()).as("reply %s", reply).isFalse();
            publish(a, "tiny:1", "{}");
            awaitOffsets(onC, "tiny:1", List.of(11L)); // the live ones only, none of the missed
        }
    }

    @Test
    void historyPastItsTtlGivesRecoveredFalse() {
        JsonNode first = publish(a, "brief:1", "{}");
        String epoch = Json.text(first, "epoch");
        Eventually.await(WAIT, "the stream to expire at redis", () -> redis.commandReply("EXISTS", "pushgate:meta:brief:1").equals("0"));
        try (TestClient onB = TestClient.connect(b.ws())) {
            JsonNode reply = subscribeSince(onB, "brief:1", 0, epoch);
            assertThat(reply.get("recovered").asBoolean()).as("reply %s", reply).isFalse();
            assertThat(Json.text(reply, "epoch")).isNotEqualTo(epoch);
        }
    }

    @Test
    void nodeSubscriptionsAreHeldExactlyWhileANodeHasLocalSubscribers() {
        try (TestClient one = TestClient.connect(a.ws()); TestClient two = TestClient.connect(a.ws())) {
            one.subscribe("held:1");
            two.subscribe("held:1");
            assertThat(redis.subscribers("pushgate:ch:held:1")).as("one Redis subscription per node, not per client").isEqualTo(1);
            try (TestClient three = TestClient.connect(b.ws())) {
                three.subscribe("held:1");
                assertThat(redis.subscribers("pushgate:ch:held:1")).isEqualTo(2);
            }
            Eventually.await(WAIT, "b's subscription gone", () -> redis.subscribers("pushgate:ch:held:1") == 1);
            one.unsubscribe("held:1");
            assertThat(redis.subscribers("pushgate:ch:held:1")).isEqualTo(1);
        }
        Eventually.await(WAIT, "a's subscription gone", () -> redis.subscribers("pushgate:ch:held:1") == 0);
    }

    @Test
    void whileRedisIsPausedPublishesAnswer503AndNoAcknowledgedMessageIsLost() {
        Map<Long, Boolean> acknowledged = new ConcurrentHashMap<>();
        try (TestClient onB = TestClient.connect(b.ws())) {
            JsonNode subscribed = onB.subscribe("pause:1");
            String epoch = Json.text(subscribed, "epoch");
            for (int n = 0; n < 5; n++) {
                acknowledged.put(publish(a, "pause:1", "{}").get("offset").asLong(), true);
            }
            redis.pause();
            int refused = 0;
            try {
                for (int n = 0; n < 3; n++) {
                    long start = System.nanoTime();
                    GatewayProbe.Response response = a.publish("pause:1", "{}");
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a publish never hangs").isLessThan(Duration.ofSeconds(3));
                    assertThat(response.status()).as("answer while paused: %s", response).isEqualTo(503);
                    assertThat(response.header("Retry-After")).isNotNull();
                    refused++;
                }
                Eventually.await(WAIT, "readiness DOWN while redis is paused",
                        () -> a.get("/actuator/health/readiness").status() == 503);
                assertThat(a.get("/actuator/health/liveness").status()).isEqualTo(200);
                assertThat(onB.isOpen()).as("open connections stay open").isTrue();
            }
            finally {
                redis.resume();
            }
            assertThat(refused).isEqualTo(3);
            Eventually.await(WAIT, "readiness UP again", () -> a.get("/actuator/health/readiness").status() == 200);
            JsonNode after = publish(a, "pause:1", "{}");
            acknowledged.put(after.get("offset").asLong(), true);
            assertThat(Json.text(after, "epoch")).isEqualTo(epoch);
            // Every acknowledged message reached the subscriber (the refused ones may have been applied later: the
            // subscriber then has them too, in order); no insufficient_state was needed, nothing was lost.
            long top = after.get("offset").asLong();
            awaitOffsets(onB, "pause:1", range(1, top));
            assertThat(offsets(onB, "pause:1")).containsAll(acknowledged.keySet());
        }
    }
}
