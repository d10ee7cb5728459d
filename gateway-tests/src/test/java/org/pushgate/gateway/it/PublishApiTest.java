package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pushgate.gateway.it.Profiles.FEW_SUBSCRIPTIONS;
import static org.pushgate.gateway.it.Profiles.SMALL_FRAMES;
import static org.pushgate.gateway.it.Profiles.SMALL_PUBLISH;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.TestClient;

import tools.jackson.databind.JsonNode;

/** The backend's HTTP API: what a good request returns, and that a bad one is refused and publishes nothing. */
@GatewayTest({SMALL_FRAMES, FEW_SUBSCRIPTIONS, SMALL_PUBLISH})
class PublishApiTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final GatewayProbe gateway;

    PublishApiTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void publishAnswersHowManySubscribersTookTheMessage() {
        JsonNode first = gateway.publish("nobody-here", "1").json();
        assertThat(first.get("subscribers").asInt()).isZero();
        assertThat(first.get("offset").asLong()).as("the stream's first message").isEqualTo(1);
        assertThat(first.get("epoch").asString()).isNotEmpty();
        try (TestClient a = TestClient.connect(gateway.ws("channel=count"));
             TestClient b = TestClient.connect(gateway.ws("channel=count"))) {
            a.await(f -> Json.isOp(f, "subscribed"), WAIT, "a subscribed");
            b.await(f -> Json.isOp(f, "subscribed"), WAIT, "b subscribed");

            GatewayProbe.Response response = gateway.publish("count", "{\"k\":\"v\"}");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.json().get("subscribers").asInt()).isEqualTo(2);
            assertThat(response.json().get("offset").asLong()).isEqualTo(1);
        }
    }

    @Test
    void broadcastPublishesToEachDistinctChannelOnce() {
        try (TestClient a = TestClient.connect(gateway.ws("channel=b1"));
             TestClient both = TestClient.connect(gateway.ws("channel=b1&channel=b2"))) {
            a.await(f -> Json.isOp(f, "subscribed"), WAIT, "a subscribed");
            Eventually.await(WAIT, "3 subscriptions", () -> gateway.gauges().subscriptions() == 3);

            GatewayProbe.Response response = gateway.post("/api/broadcast",
                    "{\"channels\":[\"b1\",\"b2\",\"b1\",\"b3\"],\"data\":[\"x\"]}");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.json().get("subscribers").asInt()).isEqualTo(3);
            assertThat(response.json().get("channels").asInt()).isEqualTo(3);
            assertThat(response.json().get("positions").propertyNames()).containsExactly("b1", "b2", "b3");
            assertThat(response.json().get("positions").get("b3").get("offset").asLong()).isEqualTo(1);
            Eventually.await(WAIT, "both messages", () -> both.messages("b1").size() == 1 && both.messages("b2").size() == 1);
            Eventually.await(WAIT, "a's message", () -> a.messages("b1").size() == 1);
            assertThat(a.messages("b1").get(0).get("data")).isEqualTo(Json.parse("[\"x\"]"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "malformed JSON            | /api/publish   | {\"channel\":\"api\",\"data\":      | bad_json",
            "not an object             | /api/publish   | [\"api\",1]                         | bad_request",
            "empty body                | /api/publish   | ''                                  | empty_body",
            "missing data              | /api/publish   | {\"channel\":\"api\"}               | missing_data",
            "missing channel           | /api/publish   | {\"data\":1}                        | invalid_channel",
            "invalid channel           | /api/publish   | {\"channel\":\"a p i\",\"data\":1}  | invalid_channel",
            "channel not a string      | /api/publish   | {\"channel\":[\"api\"],\"data\":1}  | invalid_channel",
            "broadcast without list    | /api/broadcast | {\"channels\":\"api\",\"data\":1}   | invalid_channel",
            "broadcast empty list      | /api/broadcast | {\"channels\":[],\"data\":1}        | invalid_channel",
            "broadcast one bad channel | /api/broadcast | {\"channels\":[\"api\",\"b@d!\"],\"data\":1} | invalid_channel",
            "broadcast missing data    | /api/broadcast | {\"channels\":[\"api\"]}            | missing_data",
    })
    void aBadRequestIs400WithItsCodeAndPublishesNothing(String why, String path, String body, String code) {
        assertRefusedAndNothingPublished(path, body.getBytes(java.nio.charset.StandardCharsets.UTF_8), code);
    }

    @Test
    void aBodyOverMaxPublishBytesIs400AndPublishesNothing() {
        String body = "{\"channel\":\"api\",\"data\":\"" + "z".repeat(5000) + "\"}";
        assertRefusedAndNothingPublished("/api/publish", body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "body_too_large");
    }

    /** A subscriber of "api" sees, as its first message, the good publish made after the bad one: the next offset. */
    private void assertRefusedAndNothingPublished(String path, byte[] body, String code) {
        try (TestClient subscriber = TestClient.connect(gateway.ws("channel=api"))) {
            long before = subscriber.await(f -> Json.isOp(f, "subscribed"), WAIT, "subscribed").get("offset").asLong();
            double published = gateway.metric("gateway_messages_published_total");

            GatewayProbe.Response response = gateway.post(path, body);

            assertThat(response.status()).as(response.toString()).isEqualTo(400);
            JsonNode error = response.json();
            assertThat(Json.text(error, "error")).isEqualTo(code);
            assertThat(Json.text(error, "message")).isNotBlank();
            assertThat(gateway.metric("gateway_messages_published_total")).isEqualTo(published);

            gateway.publish("api", "\"good\"");
            JsonNode first = subscriber.await(f -> Json.isOp(f, "message"), WAIT, "the good message");
            assertThat(first.get("offset").asLong()).as("the refused request took no offset").isEqualTo(before + 1);
            assertThat(first.get("data").asString()).isEqualTo("good");
        }
    }
}
