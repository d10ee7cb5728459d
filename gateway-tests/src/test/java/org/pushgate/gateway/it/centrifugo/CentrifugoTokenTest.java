package org.pushgate.gateway.it.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.NodeScript;

/**
 * Centrifugo's unmodified JavaScript SDK against {@code /connection/websocket} of a gateway in jwt mode: the same
 * verifier as {@code /ws} (HS256, {@code exp} enforced without skew, namespace rules, the personal channel), the
 * SDK's getToken at connect and refresh, error 109 for an expired connect token, 3005 for an expired connection,
 * 3500 for a forged token. Scenarios in {@code gateway-tests/js/centrifuge/token.test.mjs}.
 */
@GatewayTest({"gateway.auth.mode=jwt", "gateway.auth.jwt.secret=" + CentrifugoTokenTest.SECRET,
        "gateway.auth.connect-timeout=5s", "gateway.auth.jwt.clock-skew=0s",
        "gateway.auth.namespaces.public=authenticated", "gateway.auth.namespaces.internal=none",
        "gateway.auth.default-access=none", "gateway.api.key=" + CentrifugoTokenTest.API_KEY})
class CentrifugoTokenTest {

    static final String SECRET = "centrifugo-client-secret-5d1e9a7c3b2f4e6a8c0d1b3e5f7a9c2e";
    static final String API_KEY = "centrifugo-api-key-1a2b3c4d5e6f7a8b9c0d";

    private final GatewayProbe gateway;

    CentrifugoTokenTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void theSdkAuthenticatesRefreshesAndFollowsTheTokenCodes() {
        NodeScript.nodeTest("centrifuge/token.test.mjs")
                .env("PUSHGATE_PORT", gateway.port())
                .env("PUSHGATE_CLIENT_SECRET", SECRET)
                .env("PUSHGATE_API_KEY", API_KEY)
                .timeout(Duration.ofMinutes(3))
                .run();

        assertThat(gateway.disconnects("token_expired")).as("3005").isPositive();
        assertThat(gateway.disconnects("invalid_token")).as("3500").isPositive();
        gateway.awaitIdle(Duration.ofSeconds(20));
    }
}
