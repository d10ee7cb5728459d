package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
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
 * Sentinel for real: a master, a replica ({@code --replicaof}) and a Sentinel, each a redis-server process of its
 * own, and a gateway on the {@code redis-sentinel://} URI. Publish, subscribe and history go through the master
 * Sentinel names; the master is killed (-9) and failed over with {@code SENTINEL FAILOVER} (the manual path: it
 * does not wait for the down-after and the vote, so the test stays short on a busy box); while there is no master
 * publishes answer 503 {@code broker_unavailable}; afterwards they come back, the subscriber gets messages again,
 * and a message published while the node was away (straight into the new master, while the Sentinel was paused so
 * the node could not find it yet) is a gap the subscriber is told of ({@code insufficient_state}) and recovers.
 */
@ExtendWith(LeakGuard.class)
@Timeout(180) // processes and a failover on a shared 2-core box: loose on purpose
class RedisSentinelTest {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final String MASTER = "pushgate";

    private RedisServer master;
    private RedisServer replica;
    private RedisServer sentinel;
    private RunningGateway gateway;

    @AfterEach
    void stopAll() {
        if (gateway != null) {
            gateway.close();
        }
        for (RedisServer server : new RedisServer[] {sentinel, replica, master}) {
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    void publishesSubscribersAndHistoryFollowTheMasterThroughAFailover() {
        master = RedisServer.start();
        replica = RedisServer.replicaOf(master);
        Eventually.await(WAIT, "the replica in sync", () -> "up".equals(replica.replicationInfo("master_link_status")));
        sentinel = RedisServer.sentinel(MASTER, master, Duration.ofSeconds(5));
        Eventually.await(WAIT, "the sentinel to see the replica", () -> sentinelKnowsReplica());
        gateway = RedisNodesTest.gateway("redis-sentinel://127.0.0.1:" + sentinel.port() + "/0#" + MASTER);
        GatewayProbe node = gateway.probe();

        try (TestClient client = TestClient.connect(node.ws())) {
            String epoch = Json.text(client.subscribe("sen:1"), "epoch");
            RedisNodesTest.publish(node, "sen:1", "{\"n\":1}");
            RedisNodesTest.publish(node, "sen:1", "{\"n\":2}");
            RedisNodesTest.awaitOffsets(client, "sen:1", List.of(1L, 2L));
            JsonNode history = node.get("/api/history?channel=sen:1&since=0&limit=10").json();
            assertThat(history.get("messages")).as("history %s", history).hasSize(2);
            assertThat(master.command("HGET", "pushgate:meta:sen:1", "o")).as("the master Sentinel named").isEqualTo("2");
            Eventually.await(WAIT, "the replica to hold both messages",
                    () -> replica.replicationInfo("master_repl_offset").equals(master.replicationInfo("master_repl_offset")));

            master.kill();
            Eventually.await(WAIT, "a publish without a master to answer 503 broker_unavailable", () -> {
                GatewayProbe.Response refused = node.publish("sen:1", "{\"n\":0}");
                return refused.status() == 503 && "broker_unavailable".equals(Json.text(refused.json(), "error"));
            });
            // A 503 publish may or may not have been applied (docs/brokers.md); with the master dead, it was not.
            Eventually.await(WAIT, "SENTINEL FAILOVER accepted", () -> "OK".equals(failover()) || "master".equals(replica.role()));
            Eventually.await(WAIT, "the replica promoted", () -> "master".equals(replica.role()));

            sentinel.pause(); // the node cannot find the new master until the sentinel answers again
            try {
                publishAsAnotherNode(replica, "sen:1", "{\"n\":3}", epoch);
            }
            finally {
                sentinel.resume();
            }

            Eventually.await(WAIT, "publishes through the new master", () -> node.publish("sen:1", "{\"n\":4}").status() == 200);
            client.await(f -> "insufficient_state".equals(Json.text(f, "op")), WAIT, "insufficient_state for the message the node missed");
            JsonNode recovered = RedisNodesTest.subscribeSince(client, "sen:1", 2, epoch);
            assertThat(recovered.get("recovered").asBoolean()).as("reply %s", recovered).isTrue();
            long top = recovered.get("offset").asLong();
            assertThat(top).as("offset 3 from the other node, then the gateway's own").isGreaterThanOrEqualTo(4);
            RedisNodesTest.publish(node, "sen:1", "{\"n\":5}");
            List<Long> expected = RedisNodesTest.range(1, top + 1);
            RedisNodesTest.awaitOffsets(client, "sen:1", expected);
            assertThat(replica.subscribers("pushgate:ch:sen:1")).as("the node subscribed at the new master").isEqualTo(1);
        }
        Eventually.await(WAIT, "no node subscription left at the new master",
                () -> replica.channels("pushgate:*").isEmpty());
    }

    private boolean sentinelKnowsReplica() {
        List<?> replicas = (List<?>) sentinel.commandReply("SENTINEL", "REPLICAS", MASTER);
        return !replicas.isEmpty();
    }

    private String failover() {
        try {
            return sentinel.command("SENTINEL", "FAILOVER", MASTER);
        }
        catch (IllegalStateException notYet) {
            return notYet.getMessage(); // -NOGOODSLAVE or -INPROG: asked again
        }
    }

    /** The gateway's own publish script, run straight on a Redis as any other gateway node would run it. */
    private static void publishAsAnotherNode(RedisServer redis, String channel, String data, String epoch) {
        Object reply = redis.commandReply("EVAL", script("publish.lua"), "2", "pushgate:meta:" + channel,
                "pushgate:stream:" + channel, "pushgate:ch:" + channel, data, "100", "300000", epoch);
        assertThat(reply).as("publish.lua's answer {offset, epoch, nodes}").isInstanceOf(List.class);
        assertThat(((List<?>) reply).get(0).toString()).isEqualTo("3");
    }

    private static String script(String name) {
        try (InputStream in = RedisSentinelTest.class.getResourceAsStream("/org/pushgate/gateway/broker/" + name)) {
            assertThat(in).as(name + " on the class path").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
