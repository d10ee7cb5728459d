package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.TestClient;

import tools.jackson.databind.JsonNode;

/**
 * Streams on the embedded engine, as a client sees them: positions in publish answers and subscribe replies, a
 * reconnect with {@code since} that gets exactly what it missed, the history API, and a restart that changes the
 * epoch so a client learns its position means nothing.
 */
@GatewayTest
class StreamsTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final GatewayProbe gateway;

    StreamsTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    private static List<Long> offsets(TestClient client, String channel) {
        return client.messages(channel).stream().map(m -> m.get("offset").asLong()).toList();
    }

    private static JsonNode subscribeSince(TestClient client, String channel, long offset, String epoch) {
        int id = client.nextId();
        client.send("{\"op\":\"subscribe\",\"channel\":\"" + channel + "\",\"id\":" + id
                + ",\"since\":{\"offset\":" + offset + ",\"epoch\":\"" + epoch + "\"}}");
        return client.reply(id);
    }

    @Test
    void aClientThatReconnectsWithSinceGetsExactlyWhatItMissedThenLiveMessages() {
        String epoch;
        long last;
        try (TestClient before = TestClient.connect(gateway.ws())) {
            JsonNode subscribed = before.subscribe("ticker");
            epoch = Json.text(subscribed, "epoch");
            for (int i = 1; i <= 3; i++) {
                gateway.publish("ticker", Integer.toString(i));
            }
            Eventually.await(WAIT, "three messages", () -> before.messages("ticker").size() == 3);
            last = before.messages("ticker").get(2).get("offset").asLong();
        }
        long missedFrom = last + 1;
        for (int i = 4; i <= 8; i++) {
            assertThat(gateway.publish("ticker", Integer.toString(i)).json().get("epoch").asString()).isEqualTo(epoch);
        }

        try (TestClient after = TestClient.connect(gateway.ws())) {
            JsonNode reply = subscribeSince(after, "ticker", last, epoch);
            gateway.publish("ticker", "9");

            assertThat(reply.get("recovered").asBoolean()).isTrue();
            assertThat(Json.text(reply, "epoch")).isEqualTo(epoch);
            assertThat(reply.get("offset").asLong()).isEqualTo(last + 5);
            Eventually.await(WAIT, "missed and live messages", () -> after.messages("ticker").size() == 6);
            assertThat(offsets(after, "ticker")).containsExactly(missedFrom, missedFrom + 1, missedFrom + 2,
                    missedFrom + 3, missedFrom + 4, missedFrom + 5);
            assertThat(after.messages("ticker").get(0).get("data").asInt()).isEqualTo(4);
        }
    }

    @Test
    void theUpgradeRequestCanCarryTheRecoveryPosition() {
        JsonNode first = gateway.publish("room:7", "\"a\"").json();
        gateway.publish("room:7", "\"b\"");
        String since = "room:7:" + first.get("offset").asLong() + ":" + first.get("epoch").asString();

        try (TestClient client = TestClient.connect(gateway.ws("since=" + since))) {
            JsonNode reply = client.await(f -> Json.isOp(f, "subscribed"), WAIT, "subscribed");
            assertThat(reply.get("recovered").asBoolean()).isTrue();
            Eventually.await(WAIT, "the missed message", () -> client.messages("room:7").size() == 1);
            assertThat(client.messages("room:7").get(0).get("data").asString()).isEqualTo("b");
        }
    }

    @Test
    void aWrongEpochIsNotRecoveredAndSendsNoMissedMessage() {
        gateway.publish("wrong-epoch", "1");
        try (TestClient client = TestClient.connect(gateway.ws())) {
            JsonNode reply = subscribeSince(client, "wrong-epoch", 0, "not-the-epoch");
            gateway.publish("wrong-epoch", "2");

            assertThat(reply.get("recovered").asBoolean()).isFalse();
            Eventually.await(WAIT, "the live message", () -> client.messages("wrong-epoch").size() == 1);
            assertThat(client.messages("wrong-epoch").get(0).get("data").asInt()).isEqualTo(2);
        }
    }

    @Test
    void theHistoryApiAnswersTheMessagesAfterAnOffsetAndThePosition() {
        JsonNode first = gateway.publish("history-api", "{\"n\":1}").json();
        gateway.publish("history-api", "{\"n\":2}");
        gateway.publish("history-api", "{\"n\":3}");
        String epoch = first.get("epoch").asString();

        GatewayProbe.Response response = gateway.get("/api/history?channel=history-api&since=1&limit=10&epoch=" + epoch);

        assertThat(response.status()).isEqualTo(200);
        JsonNode body = response.json();
        assertThat(body.get("offset").asLong()).isEqualTo(3);
        assertThat(body.get("epochChanged").asBoolean()).isFalse();
        assertThat(body.get("messages")).hasSize(2);
        assertThat(body.get("messages").get(0).get("offset").asLong()).isEqualTo(2);
        assertThat(body.get("messages").get(1).get("data").get("n").asInt()).isEqualTo(3);
        assertThat(gateway.get("/api/history?channel=history-api&epoch=other").json().get("messages")).isEmpty();
        assertThat(gateway.get("/api/history?channel=bad%20name").status()).isEqualTo(400);
        assertThat(gateway.get("/api/history?channel=history-api&since=-1").status()).isEqualTo(400);
    }

    @Test
    void offsetsDoNotRestartWhenAChannelLosesItsLastSubscriber() {
        try (TestClient client = TestClient.connect(gateway.ws("channel=keeps-counting"))) {
            client.await(f -> Json.isOp(f, "subscribed"), WAIT, "subscribed");
            gateway.publish("keeps-counting", "1");
            Eventually.await(WAIT, "first", () -> client.messages("keeps-counting").size() == 1);
        }
        gateway.awaitIdle(WAIT);
        try (TestClient again = TestClient.connect(gateway.ws("channel=keeps-counting"))) {
            JsonNode reply = again.await(f -> Json.isOp(f, "subscribed"), WAIT, "subscribed");
            assertThat(reply.get("offset").asLong()).isEqualTo(1);
            gateway.publish("keeps-counting", "2");
            Eventually.await(WAIT, "second", () -> again.messages("keeps-counting").size() == 1);
            assertThat(offsets(again, "keeps-counting")).containsExactly(2L);
        }
    }
}
