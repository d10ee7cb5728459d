package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.TestClient;

/** With gateway.api.key set, the backend API needs {@code Authorization: Bearer <key>}; clients do not. */
@GatewayTest("gateway.api.key=s3cret-key")
class ApiKeyTest {

    private static final String BODY = "{\"channel\":\"guarded\",\"data\":1}";
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final GatewayProbe gateway;

    ApiKeyTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void withoutAnAuthorizationHeaderThePublishApiAnswers401() {
        GatewayProbe.Response response = gateway.post("/api/publish", BODY);

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer");
        assertThat(Json.text(response.json(), "error")).isEqualTo("unauthorized");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer wrong", "Bearer s3cret-key-but-longer", "Bearer s3cret-ke", "Basic czNjcmV0LWtleQ==", "s3cret-key"})
    void withAWrongKeyThePublishAndBroadcastApisAnswer401(String authorization) {
        assertThat(gateway.post("/api/publish", BODY, "Authorization", authorization).status()).isEqualTo(401);
        assertThat(gateway.post("/api/broadcast", "{\"channels\":[\"guarded\"],\"data\":1}",
                "Authorization", authorization).status()).isEqualTo(401);
    }

    @Test
    void withTheRightKeyThePublishApiAnswers200AndDelivers() {
        try (TestClient client = TestClient.connect(gateway.ws("channel=guarded"))) {
            client.await(f -> Json.isOp(f, "subscribed"), WAIT, "subscribed");

            GatewayProbe.Response response = gateway.post("/api/publish", BODY, "Authorization", "Bearer s3cret-key");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.json().get("subscribers").asInt()).isEqualTo(1);
            client.await(f -> Json.isOp(f, "message"), WAIT, "the guarded message");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/%70ublish", "/api/%62roadcast", "/api//publish", "/api/publish/", "/%2561pi/publish"})
    void anOddSpellingAfterTheApiPrefixIsStillGuarded(String path) {
        assertNotPublishedWithoutKey(path);
    }

    /**
     * The access filter must guard the API however its path is spelled: a percent-encoded path that the
     * router decodes to /api/publish must not publish without the key.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/%61pi/publish", "/ap%69/publish", "/%61pi/broadcast"})
    void anEncodedSpellingOfTheApiPrefixDoesNotBypassTheKey(String path) {
        assertNotPublishedWithoutKey(path);
    }

    private void assertNotPublishedWithoutKey(String path) {
        String body = path.contains("roadcast") ? "{\"channels\":[\"guarded\"],\"data\":1}" : BODY;
        try (TestClient client = TestClient.connect(gateway.ws("channel=guarded"))) {
            client.await(f -> Json.isOp(f, "subscribed"), WAIT, "subscribed");

            GatewayProbe.Response response = gateway.post(path, body);

            assertThat(response.status()).as(path + " answered " + response).isNotEqualTo(200);
            gateway.post("/api/publish", "{\"channel\":\"guarded\",\"data\":\"sentinel\"}",
                    "Authorization", "Bearer s3cret-key");
            tools.jackson.databind.JsonNode first = client.await(f -> Json.isOp(f, "message"), WAIT, "the sentinel");
            assertThat(first.get("data").asString()).as("nothing published through " + path).isEqualTo("sentinel");
        }
    }

    @Test
    void theWebSocketEndpointNeedsNoApiKey() {
        try (TestClient client = TestClient.connect(gateway.ws())) {
            assertThat(Json.text(client.subscribe("open-to-clients"), "op")).isEqualTo("subscribed");
        }
    }
}
