package org.pushgate.gateway.it.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pushgate.gateway.it.support.HttpWire;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.pushgate.gateway.it.support.RawWebSocket.Options;

/**
 * Centrifugo's server API is guarded like /api (docs/security.md, "Server side"): the API key or a server token with
 * the {@code publish} scope, also given the way Centrifugo's SDKs give it ({@code X-API-Key},
 * {@code Authorization: apikey}); refused 401/403 otherwise, however the path is spelled.
 */
@JwtGateway
class CentrifugoApiAccessTest {

    private static final String PUBLISH = "/centrifugo/api/publish";
    private static final String BODY = "{\"channel\":\"public:cf\",\"data\":\"hello\"}";

    private final GatewayProbe gateway;

    CentrifugoApiAccessTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void centrifugosApiKeySpellingsAndABearerCredentialPublish() {
        String token = Tokens.hs256(Tokens.SERVER_SECRET, Tokens.server("publish"));
        try (RawWebSocket client = subscriber()) {
            List<String[]> credentials = List.of(new String[] {"X-API-Key", Tokens.API_KEY},
                    new String[] {"Authorization", "apikey " + Tokens.API_KEY},
                    new String[] {"Authorization", "ApiKey " + Tokens.API_KEY},
                    new String[] {"Authorization", Http.bearer(Tokens.API_KEY)},
                    new String[] {"Authorization", Http.bearer(token)});
            for (String[] credential : credentials) {
                HttpWire.Response response = Http.post(gateway.port(), PUBLISH, BODY, credential);

                assertThat(response.status()).as(String.join(": ", credential) + " -> " + response).isEqualTo(200);
                assertThat(response.json().get("result").get("offset").asLong()).isPositive();
                assertThat(client.awaitOp("message").get("data").asString()).isEqualTo("hello");
            }
            HttpWire.Response older = Http.post(gateway.port(), "/centrifugo/api",
                    "{\"method\":\"publish\",\"params\":" + BODY + "}", "X-API-Key", Tokens.API_KEY);
            assertThat(older.status()).as(older.toString()).isEqualTo(200);
        }
    }

    @Test
    void withoutOrWithAWrongCredentialTheServerApiAnswers401() {
        List<String[]> refused = List.of(new String[0], new String[] {"X-API-Key", "wrong"},
                new String[] {"X-API-Key", Tokens.API_KEY + "x"}, new String[] {"X-API-Key", ""},
                new String[] {"Authorization", "apikey wrong"}, new String[] {"Authorization", "apikey"},
                new String[] {"Authorization", "Basic " + Tokens.API_KEY}, new String[] {"Authorization", Tokens.API_KEY},
                // X-API-Key wins when present, as in Centrifugo: a right Bearer does not rescue a wrong key
                new String[] {"X-API-Key", "wrong", "Authorization", Http.bearer(Tokens.API_KEY)});
        for (String[] credential : refused) {
            for (String path : List.of(PUBLISH, "/centrifugo/api/broadcast", "/centrifugo/api/history", "/centrifugo/api")) {
                assertUnauthorized(Http.post(gateway.port(), path, BODY, credential));
            }
        }
    }

    @Test
    void aServerTokenWithoutThePublishScopeIsForbidden() {
        String admin = Tokens.hs256(Tokens.SERVER_SECRET, Tokens.server("admin"));

        HttpWire.Response response = Http.post(gateway.port(), PUBLISH, BODY, "Authorization", Http.bearer(admin));

        assertThat(response.status()).as(response.toString()).isEqualTo(403);
        assertThat(Json.text(response.json(), "error")).isEqualTo("forbidden");
    }

    @Test
    void centrifugosSpellingsAreNotAcceptedOutsideItsApi() {
        assertUnauthorized(Http.post(gateway.port(), "/api/publish", BODY, "X-API-Key", Tokens.API_KEY));
        assertUnauthorized(Http.post(gateway.port(), "/api/publish", BODY, "Authorization", "apikey " + Tokens.API_KEY));
        assertUnauthorized(Http.get(gateway.port(), "/admin/connections", "X-API-Key", Tokens.API_KEY));
    }

    /** However the path is spelled, what the router would serve as the server API is never served without a key. */
    @ParameterizedTest
    @ValueSource(strings = {"/centrifugo/%61pi/publish", "/%63entrifugo/api/publish", "/centrifugo//api/publish",
            "//centrifugo/api/publish", "/centrifugo/api//publish", "/centrifugo/api/publish/", "/centrifugo/api/%70ublish",
            "/centrifugo/%2561pi/publish", "/centrifugo%2Fapi/publish", "/centrifugo/api%2Fpublish", "/centrifugo/api/"})
    void anOddSpellingOfThePathIsStillGuarded(String path) {
        try (RawWebSocket client = subscriber()) {
            HttpWire.Response response = Http.post(gateway.port(), path, "{\"channel\":\"public:cf\",\"data\":\"sneaked\"}");

            assertThat(response.status()).as(path + " -> " + response).isIn(401, 404);
            Http.publish(gateway.port(), "public:cf", "\"sentinel\"");
            assertThat(client.awaitOp("message").get("data").asString()).as(path).isEqualTo("sentinel");
        }
    }

    private RawWebSocket subscriber() {
        RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws?channel=public:cf",
                Options.defaults().header("Authorization", Http.bearer(Tokens.client("ops", 600))));
        client.await(f -> Json.isOp(f, "subscribed") && "public:cf".equals(Json.text(f, "channel")), "public:cf");
        return client;
    }

    private static void assertUnauthorized(HttpWire.Response response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(401);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        assertThat(Json.text(response.json(), "error")).isEqualTo("unauthorized");
    }
}
