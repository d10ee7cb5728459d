package org.pushgate.gateway.it.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Date;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.HttpWire;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.pushgate.gateway.it.support.RawWebSocket.Options;

/**
 * The backend API (docs/security.md, "Server side"): {@code /api/**} needs the {@code publish} scope,
 * {@code /admin/**} the {@code admin} scope, granted by the API key (both) or a server token signed with
 * the API's own secret. No valid credential: 401; a valid token without the scope: 403; JSON either way.
 */
@JwtGateway
class ApiAccessTest {

    private static final String PUBLISH = "/api/publish";
    private static final String BODY = "{\"channel\":\"public:api\",\"data\":\"hello\"}";

    private final GatewayProbe gateway;

    ApiAccessTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void withoutACredentialThePublishApiAnswers401Json() {
        HttpWire.Response response = Http.post(gateway.port(), PUBLISH, BODY);

        assertUnauthorized(response);
        assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer");
    }

    @Test
    void withAWrongCredentialTheApiAnswers401Json() {
        for (String authorization : List.of("Bearer wrong", "Bearer " + Tokens.API_KEY + "x", "Bearer " + Tokens.SERVER_SECRET,
                "Basic " + Tokens.API_KEY, Tokens.API_KEY, "Bearer")) {
            assertUnauthorized(Http.post(gateway.port(), PUBLISH, BODY, "Authorization", authorization));
            assertUnauthorized(Http.post(gateway.port(), "/api/broadcast", "{\"channels\":[\"public:api\"],\"data\":1}",
                    "Authorization", authorization));
            assertUnauthorized(Http.get(gateway.port(), "/admin/connections", "Authorization", authorization));
        }
    }

    @Test
    void withTheApiKeyThePublishApiAnswers200AndDelivers() {
        try (RawWebSocket client = subscriber()) {
            HttpWire.Response response = Http.post(gateway.port(), PUBLISH, BODY, "Authorization", Http.bearer(Tokens.API_KEY));

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.json().get("subscribers").asInt()).isEqualTo(1);
            assertThat(client.awaitOp("message").get("data").asString()).isEqualTo("hello");
        }
    }

    @Test
    void theApiKeyAlsoGrantsTheAdminApi() {
        assertThat(Http.get(gateway.port(), "/admin/connections", "Authorization", Http.bearer(Tokens.API_KEY)).status()).isEqualTo(200);
    }

    @Test
    void aServerTokenWithThePublishScopeMayPublishAndBroadcast() {
        String token = Tokens.hs256(Tokens.SERVER_SECRET, Tokens.server("publish"));
        try (RawWebSocket client = subscriber()) {
            assertThat(Http.post(gateway.port(), PUBLISH, BODY, "Authorization", Http.bearer(token)).status()).isEqualTo(200);
            assertThat(Http.post(gateway.port(), "/api/broadcast", "{\"channels\":[\"public:api\"],\"data\":\"again\"}",
                    "Authorization", Http.bearer(token)).status()).isEqualTo(200);

            client.await(f -> Json.isOp(f, "message") && "again".equals(f.get("data").asString()), "the broadcast");
        }
    }

    @Test
    void aServerTokenWithThePublishScopeAsAnScpListMayPublish() {
        String token = Tokens.hs256(Tokens.SERVER_SECRET, c -> Tokens.server(null).accept(c.claim("scp", List.of("read", "publish"))));

        assertThat(Http.post(gateway.port(), PUBLISH, BODY, "Authorization", Http.bearer(token)).status()).isEqualTo(200);
    }

    @Test
    void aServerTokenWithoutAScopeIsForbidden403Json() {
        String token = Tokens.hs256(Tokens.SERVER_SECRET, Tokens.server(null));

        assertForbidden(Http.post(gateway.port(), PUBLISH, BODY, "Authorization", Http.bearer(token)));
        assertForbidden(Http.get(gateway.port(), "/admin/connections", "Authorization", Http.bearer(token)));
    }

    @Test
    void aServerTokenWithTheAdminScopeMayUseTheAdminApiButNotPublish() {
        String token = Tokens.hs256(Tokens.SERVER_SECRET, Tokens.server("admin"));

        HttpWire.Response admin = Http.get(gateway.port(), "/admin/connections", "Authorization", Http.bearer(token));
        assertThat(admin.status()).isEqualTo(200);
        assertThat(admin.json().has("totals")).isTrue();
        assertForbidden(Http.post(gateway.port(), PUBLISH, BODY, "Authorization", Http.bearer(token)));
        assertForbidden(Http.post(gateway.port(), "/api/broadcast", "{\"channels\":[\"public:api\"],\"data\":1}",
                "Authorization", Http.bearer(token)));
    }

    @Test
    void aServerTokenWithThePublishScopeMayNotUseTheAdminApi() {
        String token = Tokens.hs256(Tokens.SERVER_SECRET, Tokens.server("publish"));

        assertForbidden(Http.get(gateway.port(), "/admin/connections", "Authorization", Http.bearer(token)));
    }

    @Test
    void aScopeIsMatchedAsAWholeWordNotAsASubstring() {
        String token = Tokens.hs256(Tokens.SERVER_SECRET, Tokens.server("publisher admins"));

        assertForbidden(Http.post(gateway.port(), PUBLISH, BODY, "Authorization", Http.bearer(token)));
        assertForbidden(Http.get(gateway.port(), "/admin/connections", "Authorization", Http.bearer(token)));
    }

    @Test
    void aClientTokenSignedWithTheClientSecretIsRefusedOnTheApiWith401() {
        String clientToken = Tokens.hs256(Tokens.CLIENT_SECRET, c -> Tokens.server("publish admin").accept(c));

        assertUnauthorized(Http.post(gateway.port(), PUBLISH, BODY, "Authorization", Http.bearer(clientToken)));
        assertUnauthorized(Http.get(gateway.port(), "/admin/connections", "Authorization", Http.bearer(clientToken)));
    }

    @Test
    void anExpiredOrForgedOrUnsignedServerTokenIsRefusedWith401() {
        String expired = Tokens.hs256(Tokens.SERVER_SECRET, c -> c.subject("backend").claim("scope", "publish")
                .expirationTime(Date.from(Instant.now().minusSeconds(300))));
        String forged = Tokens.hs256(Tokens.OTHER_SECRET, Tokens.server("publish admin"));
        String unsigned = Tokens.unsigned(Tokens.server("publish admin"));

        for (String token : List.of(expired, forged, unsigned)) {
            assertUnauthorized(Http.post(gateway.port(), PUBLISH, BODY, "Authorization", Http.bearer(token)));
        }
    }

    @Test
    void aRefusedPublishDeliversNothing() {
        try (RawWebSocket client = subscriber()) {
            Http.post(gateway.port(), PUBLISH, "{\"channel\":\"public:api\",\"data\":\"refused\"}", "Authorization", Http.bearer("wrong"));
            Http.post(gateway.port(), PUBLISH, "{\"channel\":\"public:api\",\"data\":\"refused\"}",
                    "Authorization", Http.bearer(Tokens.hs256(Tokens.SERVER_SECRET, Tokens.server("admin"))));
            Http.publish(gateway.port(), "public:api", "\"sentinel\"");

            assertThat(client.awaitOp("message").get("data").asString()).isEqualTo("sentinel");
        }
    }

    private RawWebSocket subscriber() {
        RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws?channel=public:api",
                Options.defaults().header("Authorization", Http.bearer(Tokens.client("ops", 600))));
        client.await(f -> Json.isOp(f, "subscribed") && "public:api".equals(Json.text(f, "channel")), "public:api");
        return client;
    }

    private static void assertUnauthorized(HttpWire.Response response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(401);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        assertThat(Json.text(response.json(), "error")).isEqualTo("unauthorized");
    }

    private static void assertForbidden(HttpWire.Response response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(403);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        assertThat(Json.text(response.json(), "error")).isEqualTo("forbidden");
    }
}
