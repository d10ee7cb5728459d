package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.hub.NodeSubscriptions;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.LeakGuard;
import org.pushgate.gateway.it.support.RunningGateway;
import org.pushgate.gateway.it.support.TestClient;
import org.pushgate.gateway.redis.RedisServer;

import tools.jackson.databind.JsonNode;

/**
 * The auditor against a real redis-server, seen from outside: a node subscription nobody needs shows in PUBSUB
 * NUMSUB until {@code POST /admin/audit} releases it; one the node lost is taken again and its subscriber, told
 * of the gap, recovers exactly what it missed. The test hook that makes the leaks is the broker's own
 * {@link NodeSubscriptions} called directly (as a lost hub call would leave it), from the gateway's context.
 */
@ExtendWith(LeakGuard.class)
@Timeout(60)
class RedisAuditTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    private static RedisServer redis;
    private static RunningGateway gateway;
    private static GatewayProbe node;
    private static NodeSubscriptions hook;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        gateway = RedisNodesTest.gateway(redis.uri());
        node = gateway.probe();
        hook = (NodeSubscriptions) gateway.context().getBean(Broker.class);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @AfterEach
    void noSubscriptionLeftAtRedis() {
        Eventually.await(LeakGuard.WITHIN, () -> "no node subscription left at redis, but " + redis.channels("pushgate:*"),
                () -> redis.channels("pushgate:*").isEmpty());
        Eventually.await(LeakGuard.WITHIN, "gateway_broker_subscriptions back to 0",
                () -> node.metric("gateway_broker_subscriptions") == 0);
    }

    static JsonNode audit() {
        GatewayProbe.Response response = node.post("/admin/audit", "");
        assertThat(response.status()).as("audit answer %s", response).isEqualTo(200);
        return response.json().get("brokerSubscriptions");
    }

    static double reconciled(String action) {
        return node.metric("gateway_broker_subscriptions_reconciled_total", "action", action);
    }

    @Test
    void aLeakedNodeSubscriptionIsReleasedByTheAudit() {
        double before = reconciled("released");
        try (TestClient client = TestClient.connect(node.ws())) {
            client.subscribe("audit:kept");
            hook.opened("audit:leak"); // held at Redis, and no local subscriber
            Eventually.await(WAIT, "the leak at redis and in the gauge", () -> redis.subscribers("pushgate:ch:audit:leak") == 1
                    && node.metric("gateway_broker_subscriptions") == 2);

            JsonNode report = audit();

            assertThat(report.get("released").asInt()).as("audit %s", report).isEqualTo(1);
            assertThat(report.get("restored").asInt()).as("audit %s", report).isZero();
            Eventually.await(WAIT, "redis to drop the leak", () -> redis.subscribers("pushgate:ch:audit:leak") == 0);
            assertThat(redis.subscribers("pushgate:ch:audit:kept")).as("the needed one stays").isEqualTo(1);
            assertThat(reconciled("released") - before).isEqualTo(1);
            assertThat(audit().get("released").asInt()).as("nothing left to release").isZero();
        }
    }

    @Test
    void aLostNodeSubscriptionIsRestoredAndItsSubscriberRecoversWhatItMissed() {
        double before = reconciled("restored");
        try (TestClient client = TestClient.connect(node.ws())) {
            String epoch = Json.text(client.subscribe("audit:lost"), "epoch");
            RedisNodesTest.publish(node, "audit:lost", "{\"n\":1}");
            RedisNodesTest.awaitOffsets(client, "audit:lost", java.util.List.of(1L));
            hook.closed("audit:lost"); // the node stops listening while its hub still has the subscriber
            Eventually.await(WAIT, "the node gone from redis", () -> redis.subscribers("pushgate:ch:audit:lost") == 0);
            JsonNode missed = RedisNodesTest.publish(node, "audit:lost", "{\"n\":2}");
            assertThat(missed.get("subscribers").asInt()).as("no node received it").isZero();

            JsonNode report = audit();

            assertThat(report.get("restored").asInt()).as("audit %s", report).isEqualTo(1);
            assertThat(reconciled("restored") - before).isEqualTo(1);
            client.await(f -> "insufficient_state".equals(Json.text(f, "op")), WAIT, "insufficient_state for the gap");
            JsonNode recovered = RedisNodesTest.subscribeSince(client, "audit:lost", 1, epoch);
            assertThat(recovered.get("recovered").asBoolean()).as("reply %s", recovered).isTrue();
            RedisNodesTest.awaitOffsets(client, "audit:lost", java.util.List.of(1L, 2L));
            assertThat(redis.subscribers("pushgate:ch:audit:lost")).isEqualTo(1);
        }
    }
}
