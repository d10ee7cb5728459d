package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.TestClient;

import tools.jackson.databind.JsonNode;

/**
 * {@code GET /admin/stats}, the admin page's figures: the same numbers the meters show, the biggest channels most
 * first and bounded in count, and a clear 400 for a bad parameter.
 */
@GatewayTest
class AdminStatsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final GatewayProbe gateway;

    AdminStatsTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void theStatsShowTheGaugesAndCountersAsTheScrapeShowsThem() {
        List<TestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                TestClient client = TestClient.connect(gateway.ws());
                clients.add(client);
                client.subscribe("stats-big");
                if (i == 0) {
                    client.subscribe("stats-small");
                }
            }
            gateway.publish("stats-big", "1");
            for (TestClient client : clients) {
                client.await(f -> Json.isOp(f, "message"), WAIT, "the message");
            }
            Eventually.await(WAIT, () -> "3 deliveries counted", () -> gateway.metric("gateway_messages_delivered_total") >= 3);

            JsonNode stats = stats("");

            assertThat(stats.get("connections").asLong()).isEqualTo(3).isEqualTo((long) gateway.metric("gateway_connections_active"));
            assertThat(stats.get("subscriptions").asLong()).isEqualTo(4).isEqualTo((long) gateway.metric("gateway_subscriptions_active"));
            assertThat(stats.get("channels").asLong()).isEqualTo(2).isEqualTo((long) gateway.metric("gateway_channels_active"));
            assertThat(stats.get("connectionLimit").asLong()).isEqualTo((long) gateway.metric("gateway_connections_limit")).isPositive();
            assertThat(stats.get("delivered").asLong()).isEqualTo((long) gateway.metric("gateway_messages_delivered_total"));
            assertThat(stats.get("published").asLong()).isEqualTo((long) gateway.metric("gateway_messages_published_total"));
            assertThat(stats.get("disconnects").get("client_close").asLong())
                    .isEqualTo((long) gateway.disconnects("client_close"));
            assertThat(stats.get("dropped").has("slow_consumer")).isTrue();
            assertThat(stats.get("orphansReclaimed").get("subscription").asLong()).isZero();
            assertThat(stats.get("time").asLong()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
            assertThat(stats.get("topChannels")).isEqualTo(Json.parse(
                    "[{\"channel\":\"stats-big\",\"subscribers\":3},{\"channel\":\"stats-small\",\"subscribers\":1}]"));
            assertThat(stats("?top=1").get("topChannels")).hasSize(1);
            assertThat(stats("?top=0").get("topChannels")).isEmpty();
        } finally {
            clients.forEach(TestClient::close);
        }
    }

    @Test
    void theTopChannelsAreBoundedWhateverIsAsked() {
        List<TestClient> clients = new ArrayList<>();
        try {
            for (int c = 0; c < 2; c++) {
                StringBuilder query = new StringBuilder();
                for (int i = 0; i < 60; i++) {
                    query.append(i == 0 ? "" : "&").append("channel=stats-many-").append(c).append('-').append(i);
                }
                TestClient client = TestClient.connect(gateway.ws(query.toString()));
                clients.add(client);
            }
            Eventually.await(WAIT, () -> "120 channels, but " + gateway.gauges(), () -> gateway.gauges().channels() == 120);

            assertThat(stats("").get("topChannels")).as("10 by default").hasSize(10);
            assertThat(stats("?top=100000").get("topChannels")).as("never more than 100").hasSize(100);
        } finally {
            clients.forEach(TestClient::close);
        }
    }

    @Test
    void aBadTopIsA400AndTheGatewayKeepsServing() {
        GatewayProbe.Response response = gateway.get("/admin/stats?top=many");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json()).isEqualTo(Json.parse(
                "{\"error\":\"bad_request\",\"message\":\"query parameter 'top' must be an integer\"}"));
        assertThat(gateway.get("/admin/stats").status()).isEqualTo(200);
    }

    /** Every integer parameter of the admin API answers a non-integer with the API's own 400 body. */
    @Test
    void aNonIntegerParameterOfAnyAdminCallIsTheSame400() {
        java.util.List<java.util.Map.Entry<String, GatewayProbe.Response>> answers = java.util.List.of(
                java.util.Map.entry("limit", gateway.get("/admin/connections?limit=ten")),
                java.util.Map.entry("offset", gateway.get("/admin/connections?offset=1.5")),
                java.util.Map.entry("limit", gateway.get("/admin/channels?limit=%20")),
                java.util.Map.entry("timeoutMillis", gateway.post("/admin/sweep?timeoutMillis=soon", "")));
        answers.forEach(answer -> {
            String name = answer.getKey();
            GatewayProbe.Response response = answer.getValue();
            assertThat(response.status()).as("%s: %s", name, response).isEqualTo(400);
            assertThat(response.json()).as(name).isEqualTo(Json.parse(
                    "{\"error\":\"bad_request\",\"message\":\"query parameter '" + name + "' must be an integer\"}"));
        });
        assertThat(gateway.get("/admin/connections").status()).isEqualTo(200);
    }

    private JsonNode stats(String query) {
        GatewayProbe.Response response = gateway.get("/admin/stats" + query);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }
}
