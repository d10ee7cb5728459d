package org.pushgate.gateway.it.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.TestClient;

import tools.jackson.databind.JsonNode;

/**
 * Centrifugo's server HTTP API on {@code /centrifugo/api} (docs/protocol.md, "Centrifugo-compatible server API"):
 * publish, broadcast and history in both of Centrifugo's forms, what they deliver to a /ws subscriber, and the
 * answer to every kind of bad input, each of which publishes nothing.
 */
@GatewayTest("gateway.limits.max-broadcast-channels=8")
class ServerApiTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String API = "/centrifugo/api";

    private final GatewayProbe gateway;

    ServerApiTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void publishReachesAWsSubscriberAndAnswersTheOffsetAndEpoch() {
        try (TestClient client = TestClient.connect(gateway.ws("channel=cf-news"))) {
            JsonNode subscribed = client.await(f -> Json.isOp(f, "subscribed"), WAIT, "subscribed");

            GatewayProbe.Response response = gateway.post(API + "/publish", "{\"channel\":\"cf-news\",\"data\":{\"text\":\"hi\"}}");

            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(response.header("Content-Type")).startsWith("application/json");
            JsonNode result = response.json().get("result");
            assertThat(result.get("offset").asLong()).isEqualTo(1);
            assertThat(result.get("epoch").asString()).isEqualTo(Json.text(subscribed, "epoch"));
            JsonNode message = client.await(f -> Json.isOp(f, "message"), WAIT, "the message");
            assertThat(message.get("offset").asLong()).isEqualTo(1);
            assertThat(message.get("data")).isEqualTo(Json.parse("{\"text\":\"hi\"}"));
        }
    }

    @Test
    void broadcastAnswersOnePositionPerChannelInOrder() {
        try (TestClient client = TestClient.connect(gateway.ws("channel=cf-b1&channel=cf-b2"))) {
            Eventually.await(WAIT, "2 subscriptions", () -> client.frames().stream().filter(f -> Json.isOp(f, "subscribed")).count() == 2);

            GatewayProbe.Response response = gateway.post(API + "/broadcast", "{\"channels\":[\"cf-b2\",\"cf-b1\"],\"data\":[1]}");

            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            JsonNode responses = response.json().get("result").get("responses");
            assertThat(responses).hasSize(2);
            assertThat(responses.get(0).get("result").get("offset").asLong()).isEqualTo(1);
            assertThat(responses.get(1).get("result").get("epoch").asString()).isNotEmpty();
            Eventually.await(WAIT, "both messages", () -> client.messages("cf-b1").size() == 1 && client.messages("cf-b2").size() == 1);
        }
    }

    @Test
    void historyHonoursLimitSinceAndReverse() {
        for (int i = 1; i <= 5; i++) {
            assertThat(gateway.post(API + "/publish", "{\"channel\":\"cf-h\",\"data\":" + i + "}").status()).isEqualTo(200);
        }
        JsonNode top = history("{\"channel\":\"cf-h\"}");
        String epoch = Json.text(top, "epoch");

        assertThat(top.get("offset").asLong()).isEqualTo(5);
        assertThat(top.get("publications")).isEmpty(); // no limit: the position only, as in Centrifugo
        assertThat(offsets(history("{\"channel\":\"cf-h\",\"limit\":2}"))).containsExactly(1L, 2L);
        assertThat(offsets(history("{\"channel\":\"cf-h\",\"limit\":2,\"reverse\":true}"))).containsExactly(5L, 4L);
        assertThat(offsets(history("{\"channel\":\"cf-h\",\"limit\":-1}"))).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(offsets(history("{\"channel\":\"cf-h\",\"limit\":2,\"since\":{\"offset\":2,\"epoch\":\"" + epoch + "\"}}")))
                .containsExactly(3L, 4L);
        assertThat(offsets(history("{\"channel\":\"cf-h\",\"limit\":10,\"reverse\":true,\"since\":{\"offset\":4,\"epoch\":\"" + epoch + "\"}}")))
                .containsExactly(3L, 2L, 1L);
        JsonNode first = history("{\"channel\":\"cf-h\",\"limit\":1}").get("publications").get(0);
        assertThat(first.get("data").asInt()).isEqualTo(1);

        JsonNode wrongEpoch = gateway.post(API + "/history", "{\"channel\":\"cf-h\",\"limit\":1,\"since\":{\"offset\":1,\"epoch\":\"other\"}}").json();
        assertThat(wrongEpoch.get("error").get("code").asInt()).isEqualTo(112);
    }

    @Test
    void theOlderFormRunsNewlineSeparatedCommandsInOrderAndEchoesTheirIds() {
        String body = String.join("\n",
                "{\"id\":1,\"method\":\"publish\",\"params\":{\"channel\":\"cf-old\",\"data\":\"a\"}}",
                "{\"id\":2,\"method\":0,\"params\":{\"channel\":\"cf-old\",\"data\":\"b\"}}",
                "{\"id\":3,\"method\":\"HISTORY\",\"params\":{\"channel\":\"cf-old\",\"limit\":-1}}",
                "{\"id\":4,\"method\":\"presence\",\"params\":{\"channel\":\"cf-old\"}}",
                "{\"id\":5,\"method\":\"no_such_method\",\"params\":{}}",
                "{\"id\":6,\"method\":\"publish\",\"params\":{\"channel\":\"bad name\",\"data\":1}}",
                "{\"method\":\"broadcast\",\"params\":{\"channels\":[\"cf-old\"],\"data\":\"c\"}}");

        GatewayProbe.Response response = gateway.post(API, body);

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        List<JsonNode> replies = new ArrayList<>();
        for (String line : response.body().split("\n")) {
            replies.add(Json.parse(line));
        }
        assertThat(replies).hasSize(7);
        assertThat(replies.get(0).get("id").asInt()).isEqualTo(1);
        assertThat(replies.get(0).get("result").get("offset").asLong()).isEqualTo(1);
        assertThat(replies.get(1).get("result").get("offset").asLong()).isEqualTo(2);
        assertThat(offsets(replies.get(2).get("result"))).containsExactly(1L, 2L);
        assertThat(replies.get(3).get("error").get("code").asInt()).isEqualTo(108);
        assertThat(replies.get(4).get("error").get("code").asInt()).isEqualTo(104);
        assertThat(replies.get(5).get("id").asInt()).isEqualTo(6);
        assertThat(replies.get(5).get("error").get("code").asInt()).isEqualTo(107);
        assertThat(replies.get(6).has("id")).isFalse();
        assertThat(replies.get(6).get("result").get("responses").get(0).get("result").get("offset").asLong()).isEqualTo(3);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "malformed JSON         | /centrifugo/api/publish | {\"channel\":\"cf-bad\",\"data\": | 400 | 107",
            "not an object          | /centrifugo/api/publish | [\"cf-bad\",1]                    | 400 | 107",
            "empty body             | /centrifugo/api/publish | ''                                | 400 | 107",
            "older form not JSON    | /centrifugo/api         | {\"method\":\"publish\"} {        | 400 | 107",
            "older form not objects | /centrifugo/api         | {\"method\":\"publish\"} 1        | 400 | 107",
            "too many commands      | /centrifugo/api         | {} {} {} {} {} {} {} {} {}        | 400 | 107",
            "unknown method         | /centrifugo/api/publishh | {\"channel\":\"cf-bad\",\"data\":1} | 404 | 104",
            "method not served      | /centrifugo/api/presence | {\"channel\":\"cf-bad\"}         | 200 | 108",
            "missing channel        | /centrifugo/api/publish | {\"data\":1}                      | 200 | 107",
            "invalid channel        | /centrifugo/api/publish | {\"channel\":\"cf bad\",\"data\":1} | 200 | 107",
            "missing data           | /centrifugo/api/publish | {\"channel\":\"cf-bad\"}          | 200 | 107",
            "skip_history           | /centrifugo/api/publish | {\"channel\":\"cf-bad\",\"data\":1,\"skip_history\":true} | 200 | 108",
            "idempotency_key        | /centrifugo/api/publish | {\"channel\":\"cf-bad\",\"data\":1,\"idempotency_key\":\"k\"} | 200 | 108",
            "broadcast too many     | /centrifugo/api/broadcast | {\"channels\":[\"cf-bad\",\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\"],\"data\":1} | 200 | 107",
            "broadcast one invalid  | /centrifugo/api/broadcast | {\"channels\":[\"cf-bad\",\"b@d!\"],\"data\":1} | 200 | 107",
    })
    void badInputGetsACentrifugoErrorAndPublishesNothing(String why, String path, String body, int status, int code) {
        assertRefused(path, body.getBytes(StandardCharsets.UTF_8), status, code);
    }

    @Test
    void aBodyOverMaxPublishBytesIs400AndPublishesNothing() {
        String body = "{\"channel\":\"cf-bad\",\"data\":\"" + "z".repeat(70_000) + "\"}";
        assertRefused(API + "/publish", body.getBytes(StandardCharsets.UTF_8), 400, 107);
    }

    @Test
    void inCentrifugosTransportErrorModeAnErrorIsAnHttpStatus() {
        GatewayProbe.Response notServed = gateway.post(API + "/presence", "{\"channel\":\"cf-t\"}",
                "X-Centrifugo-Error-Mode", "transport");
        GatewayProbe.Response wrongEpoch = gateway.post(API + "/history",
                "{\"channel\":\"cf-t\",\"since\":{\"offset\":0,\"epoch\":\"other\"}}", "X-Centrifugo-Error-Mode", "transport");
        GatewayProbe.Response fine = gateway.post(API + "/publish", "{\"channel\":\"cf-t\",\"data\":1}",
                "X-Centrifugo-Error-Mode", "transport");

        assertThat(notServed.status()).isEqualTo(400);
        assertThat(notServed.json().get("code").asInt()).isEqualTo(108);
        assertThat(wrongEpoch.status()).isEqualTo(416);
        assertThat(wrongEpoch.json().get("code").asInt()).isEqualTo(112);
        assertThat(fine.status()).isEqualTo(200);
        assertThat(fine.json().get("result").get("offset").asLong()).isEqualTo(1);
    }

    @Test
    void onlyPostIsServed() {
        GatewayProbe.Response response = gateway.get(API + "/publish");

        assertThat(response.status()).isEqualTo(405);
        assertThat(response.header("Allow")).isEqualTo("POST");
        assertThat(response.json().get("error").get("code").asInt()).isEqualTo(107);
    }

    /** A subscriber of cf-bad sees, as its first message, the good publish made after the refused one. */
    private void assertRefused(String path, byte[] body, int status, int code) {
        try (TestClient subscriber = TestClient.connect(gateway.ws("channel=cf-bad"))) {
            long before = subscriber.await(f -> Json.isOp(f, "subscribed"), WAIT, "subscribed").get("offset").asLong();

            GatewayProbe.Response response = gateway.post(path, body);

            assertThat(response.status()).as(response.toString()).isEqualTo(status);
            assertThat(response.header("Content-Type")).startsWith("application/json");
            JsonNode error = response.json().get("error");
            assertThat(error.get("code").asInt()).as(response.toString()).isEqualTo(code);
            assertThat(error.get("message").asString()).contains(": ");
            assertThat(gateway.post(API + "/publish", "{\"channel\":\"cf-bad\",\"data\":\"good\"}").status()).isEqualTo(200);
            JsonNode first = subscriber.await(f -> Json.isOp(f, "message"), WAIT, "the good message");
            assertThat(first.get("offset").asLong()).as("the refused request took no offset").isEqualTo(before + 1);
            assertThat(first.get("data").asString()).isEqualTo("good");
        }
    }

    private JsonNode history(String params) {
        GatewayProbe.Response response = gateway.post(API + "/history", params);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.json().has("error")).as(response.toString()).isFalse();
        return response.json().get("result");
    }

    private static List<Long> offsets(JsonNode result) {
        List<Long> offsets = new ArrayList<>();
        result.get("publications").forEach(p -> offsets.add(p.get("offset").asLong()));
        return offsets;
    }
}
