package org.pushgate.gateway.it.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.HttpWire;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;

import tools.jackson.databind.JsonNode;

/**
 * Who may subscribe to what (docs/security.md, "Channel permissions"): {@code user:<sub>} only by that
 * user, {@code public:} by anyone authenticated, {@code private:} only as the token's {@code channels}
 * claim allows (exact names or prefixes ending in {@code *}), {@code internal:} and channels without a
 * namespace (default-access none) by no client. A refusal is an error frame; the connection stays open.
 */
@JwtGateway
class ChannelPermissionTest {

    private final GatewayProbe gateway;

    ChannelPermissionTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void givenChannelsThePolicyDoesNotAllow_whenSubscribing_thenEachIsForbiddenAndTheConnectionStaysOpen() {
        List<String> forbidden = List.of("user:bob", "user:alice2", "user:", "private:payroll", "private:team-2",
                "internal:billing", "news");
        try (RawWebSocket alice = connected(Tokens.client("alice", 600, "private:team-1", "private:shared-*"))) {
            int id = 1;
            for (String channel : forbidden) {
                JsonNode refused = alice.subscribe(channel, ++id);

                assertThat(Json.text(refused, "op")).as(channel).isEqualTo("error");
                assertThat(Json.text(refused, "code")).as(channel).isEqualTo("forbidden");
                assertThat(gateway.hub().channels()).doesNotContainKey(channel);
            }
            assertThat(Json.text(alice.subscribe("public:still-open", ++id), "op")).isEqualTo("subscribed");
            assertThat(alice.isOpen()).isTrue();
        }
    }

    @Test
    void givenChannelsThePolicyAllows_whenSubscribing_thenEachIsSubscribed() {
        List<String> allowed = List.of("public:news", "private:team-1", "private:shared-", "private:shared-docs", "private:shared-a:b");
        try (RawWebSocket alice = connected(Tokens.client("alice", 600, "private:team-1", "private:shared-*"))) {
            int id = 1;
            for (String channel : allowed) {
                JsonNode reply = alice.subscribe(channel, ++id);

                assertThat(Json.text(reply, "op")).as(reply.toString()).isEqualTo("subscribed");
                assertThat(gateway.hub().channels()).containsEntry(channel, 1);
            }
        }
    }

    @Test
    void aClaimedPrivateChannelDeliversToItsHolderButNotToAnUnclaimedSubscriber() {
        try (RawWebSocket alice = connected(Tokens.client("alice", 600, "private:team-1"));
             RawWebSocket bob = connected(Tokens.client("bob", 600))) {
            assertThat(Json.text(alice.subscribe("private:team-1", 2), "op")).isEqualTo("subscribed");
            assertThat(Json.text(bob.subscribe("private:team-1", 2), "code")).isEqualTo("forbidden");

            HttpWire.Response response = Http.post(gateway.port(), "/api/publish", "{\"channel\":\"private:team-1\",\"data\":\"plan\"}",
                    "Authorization", Http.bearer(Tokens.API_KEY));

            assertThat(response.json().get("subscribers").asInt()).isEqualTo(1);
            assertThat(alice.awaitOp("message").get("data").asString()).isEqualTo("plan");
            Http.publish(gateway.port(), "user:bob", "\"sentinel\"");
            JsonNode first = bob.awaitOp("message");
            assertThat(first.get("data").asString()).as("bob's first message is the sentinel").isEqualTo("sentinel");
        }
    }

    @Test
    void aChannelsClaimDoesNotOpenSomeoneElsesPersonalChannel() {
        try (RawWebSocket mallory = connected(Tokens.client("mallory", 600, "user:*", "user:alice", "*"))) {
            assertThat(Json.text(mallory.subscribe("user:alice", 2), "code")).isEqualTo("forbidden");
            assertThat(Json.text(mallory.subscribe("internal:billing", 3), "code")).isEqualTo("forbidden");
            assertThat(Json.text(mallory.subscribe("private:anything", 4), "op")).as("'*' claims every private channel")
                    .isEqualTo("subscribed");
        }
    }

    private RawWebSocket connected(String token) {
        RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws");
        client.sendConnect(token, 1);
        client.await(f -> Json.isOp(f, "subscribed") && Json.text(f, "channel").startsWith("user:"), "the personal channel");
        return client;
    }
}
