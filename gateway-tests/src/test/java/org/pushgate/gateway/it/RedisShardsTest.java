package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pushgate.gateway.it.RedisNodesTest.awaitOffsets;
import static org.pushgate.gateway.it.RedisNodesTest.gateway;
import static org.pushgate.gateway.it.RedisNodesTest.publish;
import static org.pushgate.gateway.it.RedisNodesTest.range;
import static org.pushgate.gateway.it.RedisNodesTest.subscribeSince;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.LeakGuard;
import org.pushgate.gateway.it.support.RunningGateway;
import org.pushgate.gateway.it.support.TestClient;
import org.pushgate.gateway.redis.RedisServer;

import tools.jackson.databind.JsonNode;

/** Two gateways over two Redis instances: channels spread over both, each in order, recovery across nodes. */
@ExtendWith(LeakGuard.class)
@Timeout(90)
class RedisShardsTest {

    private final List<AutoCloseable> owned = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
    }

    @Test
    void channelsSpreadOverTwoInstancesKeepTheirOrderAcrossNodes() {
        RedisServer first = RedisServer.start();
        owned.add(first);
        RedisServer second = RedisServer.start();
        owned.add(second);
        String uris = first.uri() + "," + second.uri();
        RunningGateway one = gateway(uris);
        owned.add(one);
        // The other node lists the same instances in the other order: the ring does not depend on it.
        RunningGateway two = gateway(second.uri() + "," + first.uri());
        owned.add(two);

        int channels = 12;
        try (TestClient client = TestClient.connect(two.probe().ws())) {
            for (int i = 0; i < channels; i++) {
                client.subscribe("shard:" + i);
            }
            assertThat(first.channels("pushgate:ch:*").size() + second.channels("pushgate:ch:*").size()).isEqualTo(channels);
            assertThat(first.channels("pushgate:ch:*")).as("channels on the first instance").isNotEmpty();
            assertThat(second.channels("pushgate:ch:*")).as("channels on the second instance").isNotEmpty();
            for (int n = 1; n <= 10; n++) {
                for (int i = 0; i < channels; i++) {
                    publish(one.probe(), "shard:" + i, "{\"n\":" + n + "}");
                }
            }
            for (int i = 0; i < channels; i++) {
                awaitOffsets(client, "shard:" + i, range(1, 10));
            }
        }
        // Recovery reads the stream on the instance that holds it, from either node.
        JsonNode top = publish(two.probe(), "shard:0", "{}");
        try (TestClient late = TestClient.connect(one.probe().ws())) {
            JsonNode reply = subscribeSince(late, "shard:0", 8, Json.text(top, "epoch"));
            assertThat(reply.get("recovered").asBoolean()).as("%s", reply).isTrue();
            awaitOffsets(late, "shard:0", range(9, 11));
        }
        Eventually.await(LeakGuard.WITHIN, "no node subscription left",
                () -> first.channels("pushgate:*").isEmpty() && second.channels("pushgate:*").isEmpty());
    }
}
