package org.pushgate.gateway.it.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.NodeScript;

import tools.jackson.databind.JsonNode;

/**
 * Centrifugo's unmodified JavaScript SDK (centrifuge 5.x over the {@code ws} package) against
 * {@code /connection/websocket} of a gateway without authentication: the scenarios are in
 * {@code gateway-tests/js/centrifuge/*.test.mjs}; this class runs them against its gateway and checks what the gateway
 * counted. LeakGuard checks every gauge is back to zero after each test.
 */
// Liveness stays the default (25 s ping, 10 s timeout): a 1 s liveness cut (3012) could come first in a test that
// floods or stalls the connection on purpose (3013); 3012 has its own class, CentrifugoLivenessTest.
@GatewayTest({"gateway.limits.max-subscriptions-per-connection=40", "gateway.history.namespaces.short.size=3"})
class CentrifugoSdkTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final GatewayProbe gateway;

    CentrifugoSdkTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    private NodeScript script(String file) {
        return NodeScript.nodeTest("centrifuge/" + file).env("PUSHGATE_PORT", gateway.port()).timeout(Duration.ofMinutes(3));
    }

    @Test
    void theSdkConnectsSubscribesRecoversAndReconnectsAsItsCodesSay() {
        script("sdk.test.mjs").run();

        assertThat(gateway.metric("gateway_connections_opened_total", "transport", "ws", "protocol", "centrifugo"))
                .isPositive();
        assertThat(gateway.disconnects("server_close")).as("the operator close, 3011").isPositive();
        assertThat(gateway.disconnects("liveness_timeout")).as("no liveness cut with the default liveness").isZero();
        assertThat(gateway.disconnects("too_many_subscriptions")).as("channel limit, 3505").isPositive();
        assertThat(gateway.disconnects("rate_limited")).as("too many requests, 3013").isPositive();
        assertThat(gateway.disconnects("protocol_error")).as("bad request, 3501").isPositive();
        gateway.awaitIdle(WAIT);
    }

    @Test
    void aGapInTheStreamMakesTheSdkResubscribeWithRecovery() throws Exception {
        CompletableFuture<String> sdk = CompletableFuture.supplyAsync(() -> script("gap.test.mjs").run());
        Eventually.await(WAIT, "the SDK's subscription in the hub",
                () -> sdk.isDone() || gateway.hub().channels().containsKey("cf.gap"));
        JsonNode published = gateway.publish("cf.gap", "{\"n\":1}").json();
        long offset = published.get("offset").asLong();
        // Offsets offset+1 and offset+2 never reach this node: the hub sees the hole, as after a lost broker message.
        gateway.hub().deliver("cf.gap", Json.text(published, "epoch"), offset + 3, "{\"n\":4}".getBytes())
                .block(WAIT);
        sdk.get(3, TimeUnit.MINUTES);
        gateway.awaitIdle(WAIT);
    }
}
