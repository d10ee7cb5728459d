package org.pushgate.gateway.it.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;

import tools.jackson.databind.JsonNode;

/**
 * A connection lives as long as its token (docs/security.md, step 4): at {@code exp} it is closed with
 * 4006 unless a {@code refresh} with a newer token for the same user arrived; a refresh for another user or
 * with an invalid token is refused with {@code invalid_token} and changes nothing.
 */
@JwtGateway
class TokenExpiryTest {

    private final GatewayProbe gateway;

    TokenExpiryTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void givenATokenExpiringInTwoSeconds_whenNoRefreshArrives_thenTheConnectionIsClosedWith4006AtExp() {
        Instant exp = Instant.ofEpochSecond(Instant.now().getEpochSecond() + 3); // 2..3 s from now
        double before = Http.disconnects(gateway.port(), "token_expired");
        try (RawWebSocket client = connected("ivan", exp)) {
            int code = client.awaitClose(Duration.ofSeconds(8));
            long closedAt = System.currentTimeMillis();

            assertThat(code).isEqualTo(4006);
            assertThat(client.closeReason()).isEqualTo("token expired");
            assertThat(closedAt).as("not before exp").isGreaterThanOrEqualTo(exp.toEpochMilli() - 250);
        }
        Eventually.await(Duration.ofSeconds(5), "counted as token_expired",
                () -> Http.disconnects(gateway.port(), "token_expired") >= before + 1);
    }

    @Test
    void givenATokenExpiringInTwoSeconds_whenAValidRefreshArrives_thenTheConnectionOutlivesTheFirstToken() {
        Instant exp = Instant.ofEpochSecond(Instant.now().getEpochSecond() + 3);
        Instant later = Instant.now().plusSeconds(600);
        try (RawWebSocket client = connected("judy", exp)) {
            client.sendRefresh(Tokens.hs256(Tokens.CLIENT_SECRET, c -> c.subject("judy").expirationTime(Date.from(later))), 5);

            JsonNode refreshed = client.reply(5);
            assertThat(Json.text(refreshed, "op")).isEqualTo("refreshed");
            assertThat(refreshed.get("expires").asLong()).isEqualTo(later.getEpochSecond());

            client.assertStaysOpenFor(Duration.ofMillis(Math.max(0, exp.toEpochMilli() - System.currentTimeMillis()) + 1000));
            Http.publish(gateway.port(), "user:judy", "\"still here\"");
            assertThat(client.awaitOp("message").get("data").asString()).isEqualTo("still here");
        }
    }

    @Test
    void givenARefreshWithAnotherUsersToken_thenItIsRefusedWithInvalidTokenAndTheConnectionStillExpiresAtTheOldExp() {
        Instant exp = Instant.ofEpochSecond(Instant.now().getEpochSecond() + 3);
        try (RawWebSocket client = connected("kate", exp)) {
            client.sendRefresh(Tokens.client("mallory", 600), 5);

            JsonNode refused = client.reply(5);
            assertThat(Json.text(refused, "op")).isEqualTo("error");
            assertThat(Json.text(refused, "code")).isEqualTo("invalid_token");
            assertThat(client.isOpen()).isTrue();
            assertThat(gateway.hub().channels()).doesNotContainKey("user:mallory");

            assertThat(client.awaitClose(Duration.ofSeconds(8))).as("the old token still expires").isEqualTo(4006);
        }
    }

    @Test
    void givenARefreshWithAForgedOrExpiredToken_thenItIsRefusedWithInvalidTokenAndTheConnectionStaysOpen() {
        try (RawWebSocket client = connected("leo", Instant.now().plusSeconds(600))) {
            client.sendRefresh(Tokens.hs256(Tokens.OTHER_SECRET, Tokens.user("leo", 600)), 5);
            client.sendRefresh(Tokens.client("leo", -300), 6);
            client.sendRefresh("garbage", 7);

            for (int id = 5; id <= 7; id++) {
                assertThat(Json.text(client.reply(id), "code")).isEqualTo("invalid_token");
            }
            assertThat(Json.text(client.subscribe("public:after", 8), "op")).isEqualTo("subscribed");
        }
    }

    private RawWebSocket connected(String user, Instant exp) {
        RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws");
        client.sendConnect(Tokens.hs256(Tokens.CLIENT_SECRET, c -> c.subject(user).expirationTime(Date.from(exp))), 1);
        assertThat(Json.text(client.reply(1), "op")).isEqualTo("connected");
        client.awaitOp("subscribed");
        return client;
    }
}
