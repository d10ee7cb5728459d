package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pushgate.gateway.it.RedisNodesTest.gateway;
import static org.pushgate.gateway.it.RedisNodesTest.publish;
import static org.pushgate.gateway.it.RedisNodesTest.subscribeSince;

import java.time.Duration;
import java.util.ArrayList;
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
 * Redis killed (SIGKILL) in the middle of a stream and started again, empty: nothing hangs, publishes answer 503
 * while it is down, readiness goes DOWN and back UP, open connections stay open, and every acknowledged message
 * is either received by the subscriber or covered by a recovered:false (its history went with Redis: new epoch).
 */
@ExtendWith(LeakGuard.class)
@Timeout(90)
class RedisRestartTest {

    private final List<AutoCloseable> owned = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
    }

    /** One acknowledged publish. */
    record Ack(long offset, String epoch) { }

    /** The readiness status; a probe that does not answer fails with the threads' stacks, to show what is stuck. */
    static int readiness(GatewayProbe node) {
        try {
            return node.get("/actuator/health/readiness").status();
        }
        catch (AssertionError noAnswer) {
            StringBuilder dump = new StringBuilder(noAnswer.getMessage()).append("; threads:");
            Thread.getAllStackTraces().forEach((thread, stack) -> {
                dump.append("\n\"").append(thread.getName()).append("\" ").append(thread.getState());
                for (int i = 0; i < Math.min(stack.length, 12); i++) {
                    dump.append("\n    at ").append(stack[i]);
                }
            });
            throw new AssertionError(dump.toString(), noAnswer);
        }
    }

    @Test
    void redisKilledAndRestartedMidStreamLosesNoAcknowledgedMessageSilently() {
        RedisServer redis = RedisServer.start();
        owned.add(redis);
        RunningGateway publisherNode = gateway(redis.uri());
        owned.add(publisherNode);
        RunningGateway subscriberNode = gateway(redis.uri());
        owned.add(subscriberNode);
        GatewayProbe pub = publisherNode.probe();
        GatewayProbe sub = subscriberNode.probe();

        List<Ack> acks = new ArrayList<>();
        try (TestClient client = TestClient.connect(sub.ws())) {
            JsonNode subscribed = client.subscribe("kill:1");
            String firstEpoch = Json.text(subscribed, "epoch");
            for (int n = 0; n < 10; n++) {
                JsonNode ack = publish(pub, "kill:1", "{}");
                acks.add(new Ack(ack.get("offset").asLong(), Json.text(ack, "epoch")));
            }
            Eventually.await(Duration.ofSeconds(10), "the first ten", () -> client.messages("kill:1").size() == 10);

            redis.kill();
            int refused = 0;
            for (int n = 0; n < 5; n++) {
                long start = System.nanoTime();
                GatewayProbe.Response response = pub.publish("kill:1", "{}");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a publish never hangs").isLessThan(Duration.ofSeconds(3));
                if (response.status() == 200) {
                    acks.add(new Ack(response.json().get("offset").asLong(), Json.text(response.json(), "epoch")));
                } else {
                    assertThat(response.status()).as("%s", response).isEqualTo(503);
                    assertThat(Json.text(response.json(), "error")).isEqualTo("broker_unavailable");
                    refused++;
                }
            }
            assertThat(refused).as("publishes refused while redis is down").isEqualTo(5);
            Eventually.await(Duration.ofSeconds(10), "readiness DOWN", () -> readiness(sub) == 503);
            assertThat(sub.get("/actuator/health/liveness").status()).isEqualTo(200);
            assertThat(client.isOpen()).isTrue();

            redis.restart();
            Eventually.await(Duration.ofSeconds(10), "readiness UP", () -> readiness(sub) == 200 && readiness(pub) == 200);
            // The subscriber's node resubscribed and found a new epoch: the client is told its state is insufficient.
            client.await(frame -> Json.isOp(frame, "insufficient_state"), Duration.ofSeconds(10), "insufficient_state");
            JsonNode again = subscribeSince(client, "kill:1", 10, firstEpoch);
            assertThat(again.get("recovered").asBoolean()).as("%s", again).isFalse();
            String newEpoch = Json.text(again, "epoch");
            assertThat(newEpoch).isNotEqualTo(firstEpoch);
            for (int n = 0; n < 5; n++) {
                JsonNode ack = publish(pub, "kill:1", "{}");
                acks.add(new Ack(ack.get("offset").asLong(), Json.text(ack, "epoch")));
            }
            Eventually.await(Duration.ofSeconds(10), "the five after the restart", () -> client.messages("kill:1").size() == 15);
            List<Long> received = client.messages("kill:1").stream().map(m -> m.get("offset").asLong()).toList();
            assertThat(received).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 1L, 2L, 3L, 4L, 5L);
            for (Ack ack : acks) {
                assertThat(ack.epoch()).as("every acknowledged publish is in an epoch the client saw through")
                        .isIn(firstEpoch, newEpoch);
            }
        }
    }
}
