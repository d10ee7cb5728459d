package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

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
 * A Sentinel failover to a replica that lagged loses acknowledged writes, and the new master hands their offsets
 * out again under the same epoch. Real processes: a master, a replica and a Sentinel, a gateway on the
 * {@code redis-sentinel://} URI. The replica is paused and its link killed, two publishes are acknowledged and
 * fanned out (offsets 3 and 4), the master is killed and the replica promoted (at offset 2). The next publishes get
 * offsets 3 and 4 again: the node must move the stream to a new epoch and tell its subscriber, whose recovery from
 * offset 4 of the old epoch must answer {@code recovered:false}, never {@code recovered:true} across the two
 * messages it never saw.
 */
@ExtendWith(LeakGuard.class)
@Timeout(120)
class RedisLagFailoverTest {

    static final Duration WAIT = Duration.ofSeconds(30);
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
    void aFailoverThatLostWritesNeverRecoversAcrossThem() {
        master = RedisServer.start();
        replica = RedisServer.replicaOf(master);
        Eventually.await(WAIT, "the replica in sync", () -> "up".equals(replica.replicationInfo("master_link_status")));
        sentinel = RedisServer.sentinel(MASTER, master, Duration.ofSeconds(5));
        Eventually.await(WAIT, "the sentinel to see the replica",
                () -> !((List<?>) sentinel.commandReply("SENTINEL", "REPLICAS", MASTER)).isEmpty());
        gateway = RedisNodesTest.gateway("redis-sentinel://127.0.0.1:" + sentinel.port() + "/0#" + MASTER);
        GatewayProbe node = gateway.probe();
        try (TestClient client = TestClient.connect(node.ws())) {
            client.subscribe("lag:1");
            String epoch = Json.text(RedisNodesTest.publish(node, "lag:1", "{\"n\":1}"), "epoch");
            RedisNodesTest.publish(node, "lag:1", "{\"n\":2}");
            Eventually.await(WAIT, "the replica holds offset 2",
                    () -> replica.replicationInfo("master_repl_offset").equals(master.replicationInfo("master_repl_offset")));
            replica.pause();
            master.command("CLIENT", "KILL", "TYPE", "replica");
            RedisNodesTest.publish(node, "lag:1", "{\"n\":3}");
            RedisNodesTest.publish(node, "lag:1", "{\"n\":4}");
            RedisNodesTest.awaitOffsets(client, "lag:1", List.of(1L, 2L, 3L, 4L));
            master.kill();
            replica.resume();
            Eventually.await(WAIT, "SENTINEL FAILOVER accepted", () -> "OK".equals(failover()) || "master".equals(replica.role()));
            Eventually.await(WAIT, "the replica promoted", () -> "master".equals(replica.role()));
            assertThat(replica.command("HGET", "pushgate:meta:lag:1", "o")).as("the new master lost 3 and 4").isEqualTo("2");

            Eventually.await(WAIT, "publishes through the new master", () -> node.publish("lag:1", "{\"n\":30}").status() == 200);
            RedisNodesTest.publish(node, "lag:1", "{\"n\":40}");
            client.await(f -> "insufficient_state".equals(Json.text(f, "op")), WAIT, "insufficient_state for the lost writes");
            Eventually.await(WAIT, "the stream moved to a new epoch",
                    () -> !epoch.equals(replica.command("HGET", "pushgate:meta:lag:1", "e")));

            JsonNode recovered = RedisNodesTest.subscribeSince(client, "lag:1", 4, epoch);
            assertThat(recovered.get("recovered").asBoolean()).as("reply %s", recovered).isFalse();
            assertThat(Json.text(recovered, "epoch")).isNotEqualTo(epoch);
        }
    }

    private String failover() {
        try {
            return sentinel.command("SENTINEL", "FAILOVER", MASTER);
        }
        catch (IllegalStateException notYet) {
            return notYet.getMessage(); // -NOGOODSLAVE or -INPROG: asked again
        }
    }
}
