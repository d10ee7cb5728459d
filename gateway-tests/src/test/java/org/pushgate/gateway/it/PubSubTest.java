package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pushgate.gateway.it.Profiles.FEW_SUBSCRIPTIONS;
import static org.pushgate.gateway.it.Profiles.SMALL_FRAMES;
import static org.pushgate.gateway.it.Profiles.SMALL_PUBLISH;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.TestClient;

import tools.jackson.databind.JsonNode;

/** Subscribing, unsubscribing and publishing, as a client and a backend see them on the wire. */
@GatewayTest({SMALL_FRAMES, FEW_SUBSCRIPTIONS, SMALL_PUBLISH})
class PubSubTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final GatewayProbe gateway;

    PubSubTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void aPublishReachesEverySubscriberOfTheChannelAndNoOneElse() {
        try (TestClient a = TestClient.connect(gateway.ws());
             TestClient b = TestClient.connect(gateway.ws());
             TestClient c = TestClient.connect(gateway.ws());
             TestClient other = TestClient.connect(gateway.ws())) {
            for (TestClient client : List.of(a, b, c)) {
                assertThat(Json.text(client.subscribe("news"), "op")).isEqualTo("subscribed");
            }
            other.subscribe("sport");

            GatewayProbe.Response response = gateway.publish("news", "{\"headline\":\"hello\",\"n\":[1,2]}");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.json().get("subscribers").asInt()).isEqualTo(3);
            for (TestClient client : List.of(a, b, c)) {
                JsonNode message = client.await(f -> Json.isOp(f, "message"), WAIT, "the news message");
                assertThat(Json.text(message, "channel")).isEqualTo("news");
                assertThat(message.get("offset").asLong()).isEqualTo(1);
                assertThat(message.get("data")).isEqualTo(Json.parse("{\"headline\":\"hello\",\"n\":[1,2]}"));
            }
            gateway.publish("sport", "\"goal\"");
            JsonNode first = other.await(f -> Json.isOp(f, "message"), WAIT, "the sport message");
            assertThat(Json.text(first, "channel")).as("the first message the sport subscriber got").isEqualTo("sport");
        }
    }

    @Test
    void givenASubscription_whenTheClientUnsubscribes_thenItGetsNoMoreMessagesAndTheGaugesDrop() {
        try (TestClient client = TestClient.connect(gateway.ws())) {
            JsonNode subscribed = client.subscribe("prices");
            assertThat(Json.text(subscribed, "channel")).isEqualTo("prices");
            assertThat(subscribed.get("id").asInt()).isEqualTo(1);
            assertThat(subscribed.get("offset").asLong()).as("nothing published to prices yet").isZero();
            assertThat(gateway.gauges().subscriptions()).isEqualTo(1);
            assertThat(gateway.gauges().channels()).isEqualTo(1);
            gateway.publish("prices", "1");
            client.await(f -> Json.isOp(f, "message"), WAIT, "first price");

            JsonNode unsubscribed = client.unsubscribe("prices");

            assertThat(unsubscribed).isEqualTo(Json.parse("{\"op\":\"unsubscribed\",\"channel\":\"prices\",\"id\":2}"));
            assertThat(gateway.gauges().subscriptions()).isZero();
            assertThat(gateway.gauges().channels()).as("an empty channel is removed").isZero();
            assertThat(gateway.publish("prices", "2").json().get("subscribers").asInt()).isZero();
            // A later frame on another channel proves the second price was not merely late.
            client.subscribe("sentinel");
            gateway.publish("sentinel", "true");
            client.await(f -> "sentinel".equals(Json.text(f, "channel")) && Json.isOp(f, "message"), WAIT, "sentinel");
            assertThat(client.messages("prices")).hasSize(1);
        }
    }

    @Test
    void givenASubscription_whenTheClientSubscribesAgain_thenItGetsAlreadySubscribedAndStaysConnected() {
        try (TestClient client = TestClient.connect(gateway.ws())) {
            client.subscribe("dup");

            JsonNode again = client.subscribe("dup");

            assertThat(Json.text(again, "op")).isEqualTo("error");
            assertThat(Json.text(again, "code")).isEqualTo("already_subscribed");
            assertThat(again.get("id").asInt()).isEqualTo(2);
            assertThat(client.isOpen()).isTrue();
            assertThat(gateway.gauges().subscriptions()).as("still one subscription").isEqualTo(1);
            gateway.publish("dup", "42");
            client.await(f -> Json.isOp(f, "message"), WAIT, "message after the duplicate");
            assertThat(gateway.publish("dup", "43").json().get("subscribers").asInt()).isEqualTo(1);
        }
    }

    @Test
    void unsubscribingFromAChannelNotSubscribedIsAnErrorThatKeepsTheConnection() {
        try (TestClient client = TestClient.connect(gateway.ws())) {
            JsonNode reply = client.unsubscribe("never");

            assertThat(Json.text(reply, "code")).isEqualTo("not_subscribed");
            assertThat(reply.get("id").asInt()).isEqualTo(1);
            assertThat(Json.text(client.subscribe("later"), "op")).isEqualTo("subscribed");
        }
    }

    @Test
    void channelsInTheConnectQueryAreSubscribedAtConnect() {
        try (TestClient client = TestClient.connect(gateway.ws("channel=a&channel=b"))) {
            client.await(f -> Json.isOp(f, "subscribed") && "a".equals(Json.text(f, "channel")), WAIT, "subscribed a");
            client.await(f -> Json.isOp(f, "subscribed") && "b".equals(Json.text(f, "channel")), WAIT, "subscribed b");
            assertThat(gateway.gauges().subscriptions()).isEqualTo(2);
            assertThat(gateway.hub().channels()).containsEntry("a", 1).containsEntry("b", 1);

            gateway.publish("a", "\"to a\"");
            gateway.publish("b", "\"to b\"");

            client.await(f -> Json.isOp(f, "message") && "a".equals(Json.text(f, "channel")), WAIT, "message on a");
            client.await(f -> Json.isOp(f, "message") && "b".equals(Json.text(f, "channel")), WAIT, "message on b");
        }
    }

    @Test
    void anInvalidChannelInTheConnectQueryIsAnErrorAndTheValidOnesStillCount() {
        try (TestClient client = TestClient.connect(gateway.ws("channel=bad%20name&channel=good"))) {
            JsonNode error = client.await(f -> Json.isOp(f, "error"), WAIT, "invalid_channel error");
            assertThat(Json.text(error, "code")).isEqualTo("invalid_channel");
            client.await(f -> Json.isOp(f, "subscribed") && "good".equals(Json.text(f, "channel")), WAIT, "subscribed good");
            assertThat(client.isOpen()).isTrue();
            assertThat(gateway.gauges().subscriptions()).isEqualTo(1);
        }
    }

    /**
     * A fan-out big enough to span every event loop and to share one wire encoding: every subscriber gets every
     * message once, in offset order, and each publish answers with the full count (it waits for all loops).
     */
    @Test
    void aFanOutAcrossAllEventLoopsReachesEachSubscriberOnceInOffsetOrder() {
        int subscribers = 24;
        int messages = 50;
        List<TestClient> clients = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < subscribers; i++) {
                clients.add(TestClient.connect(gateway.ws("channel=many")));
            }
            for (TestClient client : clients) {
                client.await(f -> Json.isOp(f, "subscribed"), WAIT, "subscribed");
            }
            for (int i = 1; i <= messages; i++) {
                GatewayProbe.Response answer = gateway.publish("many", Integer.toString(i));
                assertThat(answer.status()).isEqualTo(200);
                assertThat(answer.json().get("subscribers").asInt()).as("publish %d", i).isEqualTo(subscribers);
            }
            for (TestClient client : clients) {
                org.pushgate.gateway.it.support.Eventually.await(WAIT, messages + " messages",
                        () -> client.messages("many").size() >= messages);
                List<JsonNode> received = client.messages("many");
                assertThat(received).hasSize(messages);
                for (int i = 0; i < messages; i++) {
                    assertThat(received.get(i).get("offset").asLong()).isEqualTo(i + 1);
                    assertThat(received.get(i).get("data").asInt()).isEqualTo(i + 1);
                }
            }
        }
        finally {
            clients.forEach(TestClient::close);
        }
    }

    @Test
    void eachChannelNumbersItsMessagesFromOneInPublishOrder() {
        try (TestClient client = TestClient.connect(gateway.ws("channel=numbers"))) {
            client.await(f -> Json.isOp(f, "subscribed"), WAIT, "subscribed");
            for (int i = 1; i <= 20; i++) {
                gateway.publish("numbers", Integer.toString(i * 10));
            }
            org.pushgate.gateway.it.support.Eventually.await(WAIT, "20 messages", () -> client.messages("numbers").size() == 20);
            List<JsonNode> messages = client.messages("numbers");
            for (int i = 0; i < 20; i++) {
                assertThat(messages.get(i).get("offset").asLong()).isEqualTo(i + 1);
                assertThat(messages.get(i).get("data").asInt()).isEqualTo((i + 1) * 10);
            }
        }
    }
}
