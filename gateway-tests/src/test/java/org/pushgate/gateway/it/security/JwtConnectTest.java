package org.pushgate.gateway.it.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.HttpWire;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.pushgate.gateway.it.support.RawWebSocket.Options;

import com.nimbusds.jose.JWSAlgorithm;

import tools.jackson.databind.JsonNode;

/**
 * Client authentication in jwt mode (docs/security.md, "Client authentication"): a valid token, by the
 * first frame or the upgrade's Authorization header, connects the socket as its {@code sub} and subscribes
 * it to {@code user:<sub>}; anything else closes it with 4004, 4005 or 4006 before anything is subscribed.
 */
@JwtGateway
class JwtConnectTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final KeyPair RSA = Tokens.rsaKeys();

    private final GatewayProbe gateway;

    JwtConnectTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void givenAValidToken_whenTheFirstFrameIsConnect_thenTheClientIsConnectedAndSubscribedToItsPersonalChannel() {
        Instant expires = Instant.now().plusSeconds(600);
        String token = Tokens.hs256(Tokens.CLIENT_SECRET, c -> c.subject("alice").expirationTime(Date.from(expires)));
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws")) {
            client.sendConnect(token, 1);

            JsonNode connected = client.reply(1);
            JsonNode subscribed = client.awaitOp("subscribed");

            assertThat(Json.text(connected, "op")).isEqualTo("connected");
            assertThat(Json.text(connected, "user")).isEqualTo("alice");
            assertThat(connected.get("expires").asLong()).isEqualTo(expires.getEpochSecond());
            assertThat(Json.text(subscribed, "channel")).isEqualTo("user:alice");
            assertThat(gateway.hub().channels()).containsEntry("user:alice", 1);
        }
    }

    @Test
    void givenAValidTokenInTheAuthorizationHeader_whenUpgrading_thenTheClientIsConnectedWithoutAConnectFrame() {
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws",
                Options.defaults().header("Authorization", Http.bearer(Tokens.client("bob", 600))))) {
            JsonNode connected = client.awaitOp("connected");
            JsonNode subscribed = client.awaitOp("subscribed");

            assertThat(Json.text(connected, "user")).isEqualTo("bob");
            assertThat(Json.text(subscribed, "channel")).isEqualTo("user:bob");
            assertThat(Json.text(client.subscribe("public:news", 2), "op")).isEqualTo("subscribed");
        }
    }

    @Test
    void aMessagePublishedToAUsersChannelReachesEveryDeviceOfThatUserAndNoOneElse() {
        try (RawWebSocket phone = connectedAs("carol");
             RawWebSocket laptop = connectedAs("carol");
             RawWebSocket stranger = connectedAs("dave")) {

            HttpWire.Response response = publish("user:carol", "{\"text\":\"for carol\"}");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.json().get("subscribers").asInt()).isEqualTo(2);
            for (RawWebSocket device : new RawWebSocket[] {phone, laptop}) {
                JsonNode message = device.awaitOp("message");
                assertThat(Json.text(message, "channel")).isEqualTo("user:carol");
                assertThat(Json.text(message.get("data"), "text")).isEqualTo("for carol");
            }
            // The stranger's first message is the one sent to it after carol's: carol's never reached it.
            publish("user:dave", "\"for dave\"");
            JsonNode first = stranger.awaitOp("message");
            assertThat(Json.text(first, "channel")).isEqualTo("user:dave");
            assertThat(first.get("data").asString()).isEqualTo("for dave");
        }
    }

    @Test
    void givenChannelsInTheQuery_thenTheyWaitForTheConnectAndAreSubscribedAfterIt() {
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws?channel=public:lobby")) {
            client.send("{\"op\":\"unsubscribe\",\"channel\":\"public:lobby\",\"id\":1}");
            assertThat(Json.text(client.reply(1), "code")).as("nothing subscribed before connect").isEqualTo("not_subscribed");

            client.sendConnect(Tokens.client("erin", 600), 2);

            client.reply(2);
            client.await(f -> Json.isOp(f, "subscribed") && "public:lobby".equals(Json.text(f, "channel")), "public:lobby");
        }
    }

    static Stream<Arguments> refusedTokens() {
        return Stream.of(
                refused("an expired token", () -> Tokens.client("alice", -300), 4006),
                refused("a token signed with another secret", () -> Tokens.hs256(Tokens.OTHER_SECRET, Tokens.user("alice", 600)), 4005),
                refused("a server token (the API's secret)", () -> Tokens.hs256(Tokens.SERVER_SECRET, Tokens.user("alice", 600)), 4005),
                refused("an RS256 token for this HS256 gateway", () -> Tokens.rs256(RSA, null, Tokens.user("alice", 600)), 4005),
                refused("an unsigned token (alg none)", () -> Tokens.unsigned(Tokens.user("alice", 600)), 4005),
                refused("a token without sub", () -> Tokens.hs256(Tokens.CLIENT_SECRET,
                        c -> c.expirationTime(Date.from(Instant.now().plusSeconds(600)))), 4005),
                refused("a token without exp", () -> Tokens.hs256(Tokens.CLIENT_SECRET, c -> c.subject("alice")), 4005),
                refused("a token not valid before next hour", () -> Tokens.hs256(Tokens.CLIENT_SECRET, c -> Tokens.user("alice", 7200).accept(
                        c.notBeforeTime(Date.from(Instant.now().plusSeconds(3600))))), 4005),
                refused("a sub that cannot name a channel", () -> Tokens.client("alice smith", 600), 4005),
                refused("a token with its signature cut", () -> {
                    String token = Tokens.client("alice", 600);
                    return token.substring(0, token.lastIndexOf('.') + 1);
                }, 4005),
                refused("a tampered payload", () -> {
                    String[] parts = Tokens.client("alice", 600).split("\\.");
                    String mallory = Tokens.client("mallory", 600).split("\\.")[1];
                    return parts[0] + "." + mallory + "." + parts[2];
                }, 4005),
                refused("an HS512 token signed with the right secret (one algorithm only)",
                        () -> Tokens.hmac(JWSAlgorithm.HS512, Tokens.CLIENT_SECRET, Tokens.user("alice", 600)), 4005),
                refused("an encrypted token (JWE)", () -> Tokens.encrypted(Tokens.CLIENT_SECRET, Tokens.user("alice", 600)), 4005),
                refused("garbage", () -> "not-a-jwt", 4005),
                refused("three dots of garbage", () -> "a.b.c", 4005),
                refused("five parts of garbage", () -> "a.b.c.d.e", 4005));
    }

    private static Arguments refused(String what, Supplier<String> token, int code) {
        return Arguments.of(what, token, code);
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("refusedTokens")
    void givenAnInvalidToken_whenConnecting_thenTheConnectionIsClosedAndNothingIsSubscribed(String what, Supplier<String> token, int code) {
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws?channel=public:news")) {
            client.sendConnect(token.get(), 1);

            assertThat(client.awaitClose()).as(what).isEqualTo(code);
            assertThat(client.frames()).as("no connected or subscribed frame").noneMatch(
                    f -> Json.isOp(f, "connected") || Json.isOp(f, "subscribed"));
            assertThat(gateway.gauges().subscriptions()).isZero();
        }
    }

    static Stream<Arguments> refusedHeaderTokens() {
        return Stream.of(
                refused("an expired token", () -> Tokens.client("alice", -300), 4006),
                refused("a token signed with another secret", () -> Tokens.hs256(Tokens.OTHER_SECRET, Tokens.user("alice", 600)), 4005),
                refused("an unsigned token (alg none)", () -> Tokens.unsigned(Tokens.user("alice", 600)), 4005),
                refused("garbage", () -> "not-a-jwt", 4005));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("refusedHeaderTokens")
    void givenAnInvalidTokenInTheAuthorizationHeader_thenTheUpgradedConnectionIsClosed(String what, Supplier<String> token, int code) {
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws",
                Options.defaults().header("Authorization", Http.bearer(token.get())))) {
            assertThat(client.awaitClose()).as(what).isEqualTo(code);
            assertThat(client.frames()).noneMatch(f -> Json.isOp(f, "connected") || Json.isOp(f, "subscribed"));
        }
    }

    @Test
    void aConnectWithoutATokenClosesWith4005() {
        double before = Http.disconnects(gateway.port(), "invalid_token");
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws")) {
            client.send("{\"op\":\"connect\",\"id\":1}");

            assertThat(client.awaitClose()).isEqualTo(4005);
            assertThat(client.closeReason()).isEqualTo("invalid token");
        }
        Eventually.await(WAIT, "the close counted as invalid_token", () -> Http.disconnects(gateway.port(), "invalid_token") >= before + 1);
    }

    @Test
    void aConnectWithANullTokenClosesWith4005() {
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws")) {
            client.send("{\"op\":\"connect\",\"token\":null,\"id\":1}");

            assertThat(client.awaitClose()).isEqualTo(4005);
        }
    }

    /**
     * An empty, non-string or over-long token is refused as a malformed frame ({@code bad_frame}, see
     * CommandDecoder) rather than with 4005; either way the connection never authenticates, and the connect
     * timeout ends it.
     */
    @Test
    void givenAnEmptyNonStringOrOverlongToken_thenTheConnectionNeverAuthenticatesAndTheConnectTimeoutEndsIt() {
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws?channel=public:news")) {
            client.send("{\"op\":\"connect\",\"token\":\"\",\"id\":1}");
            client.send("{\"op\":\"connect\",\"token\":42,\"id\":2}");
            client.send("{\"op\":\"connect\",\"token\":\"" + "a".repeat(8193) + "\",\"id\":3}");

            for (int id = 1; id <= 3; id++) {
                assertThat(Json.text(client.reply(id), "code")).isEqualTo("bad_frame");
            }
            assertThat(client.awaitClose()).isIn(4004, 4005);
            assertThat(client.frames()).noneMatch(f -> Json.isOp(f, "connected") || Json.isOp(f, "subscribed"));
        }
    }

    @Test
    void givenNoConnectFrame_whenTheConnectTimeoutPasses_thenTheConnectionIsClosedWith4004() {
        double before = Http.disconnects(gateway.port(), "auth_timeout");
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws")) {
            long start = System.nanoTime();

            assertThat(client.awaitClose(Duration.ofSeconds(6))).isEqualTo(4004);

            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            assertThat(waited).as("closed at the 1 s connect timeout, not before").isBetween(Duration.ofMillis(700), Duration.ofSeconds(6));
            assertThat(client.closeReason()).isEqualTo("authentication timeout");
        }
        Eventually.await(WAIT, "the close counted as auth_timeout", () -> Http.disconnects(gateway.port(), "auth_timeout") >= before + 1);
    }

    @Test
    void givenAnUnauthenticatedClientThatKeepsSendingFrames_thenTheConnectTimeoutStillEndsIt() {
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws")) {
            int sent = 0;
            // A chatty client: a frame every 150 ms for up to 4.5 s, far past the 1 s connect timeout.
            while (sent < 30 && !client.closesWithin(Duration.ofMillis(150))) {
                client.sendSubscribe("public:news", ++sent);
            }

            assertThat(sent).as("closed while the client was still chatting").isLessThan(30);
            assertThat(client.awaitClose()).isEqualTo(4004);
            assertThat(client.frames()).allMatch(f -> "not_connected".equals(Json.text(f, "code")));
        }
    }

    @Test
    void givenAnIdentityProviderSubWithAPipe_thenItsPersonalChannelWorks() {
        try (RawWebSocket client = JwtConnect.authenticated(gateway.port(), Tokens.client("auth0|4242", 600))) {
            HttpWire.Response response = publish("user:auth0|4242", "\"hi\"");

            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(client.awaitOp("message").get("data").asString()).isEqualTo("hi");
        }
    }

    @Test
    void givenASubscribeBeforeConnect_thenItIsRefusedWithNotConnectedAndTheConnectionStaysOpen() {
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws")) {
            JsonNode refused = client.subscribe("public:news", 1);

            assertThat(Json.text(refused, "op")).isEqualTo("error");
            assertThat(Json.text(refused, "code")).isEqualTo("not_connected");
            assertThat(gateway.gauges().subscriptions()).isZero();

            client.sendConnect(Tokens.client("frank", 600), 2);
            client.reply(2);
            assertThat(Json.text(client.subscribe("public:news", 3), "op")).isEqualTo("subscribed");
        }
    }

    @Test
    void givenARefreshBeforeConnect_thenItIsRefusedWithNotConnected() {
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws")) {
            client.sendRefresh(Tokens.client("frank", 600), 1);

            assertThat(Json.text(client.reply(1), "code")).isEqualTo("not_connected");
            assertThat(client.isOpen()).isTrue();
        }
    }

    @Test
    void aSecondConnectIsRefusedWithAlreadyConnectedAndTheFirstIdentityHolds() {
        try (RawWebSocket client = connectedAs("grace")) {
            client.sendConnect(Tokens.client("mallory", 600), 7);

            assertThat(Json.text(client.reply(7), "code")).isEqualTo("already_connected");
            assertThat(Json.text(client.subscribe("user:mallory", 8), "code")).isEqualTo("forbidden");
            assertThat(gateway.hub().channels()).doesNotContainKey("user:mallory");
        }
    }

    private RawWebSocket connectedAs(String user) {
        RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws");
        client.sendConnect(Tokens.client(user, 600), 1);
        client.await(f -> Json.isOp(f, "subscribed") && ("user:" + user).equals(Json.text(f, "channel")), "user:" + user);
        return client;
    }

    private HttpWire.Response publish(String channel, String data) {
        return Http.publish(gateway.port(), channel, data);
    }
}
