package org.pushgate.gateway.it.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.NodeScript;

/**
 * The connect deadline 3502 ("stale") as Centrifugo's unmodified SDK sees it ({@code centrifuge/stale.test.mjs}): in
 * jwt mode, a socket whose connect command never arrives is closed at {@code gateway.auth.connect-timeout}, and the
 * SDK stops. A gateway of its own: a deadline this short could cut the connects of {@link CentrifugoTokenTest} that
 * do arrive (each verified, some after a getToken) on a busy box.
 */
@GatewayTest({"gateway.auth.mode=jwt", "gateway.auth.jwt.secret=" + CentrifugoTokenTest.SECRET,
        "gateway.auth.connect-timeout=1s"})
class CentrifugoStaleTest {

    private final GatewayProbe gateway;

    CentrifugoStaleTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void aConnectThatNeverArrivesIsCutWith3502AndTheSdkStops() {
        NodeScript.nodeTest("centrifuge/stale.test.mjs")
                .env("PUSHGATE_PORT", gateway.port())
                .env("PUSHGATE_CLIENT_SECRET", CentrifugoTokenTest.SECRET)
                .timeout(Duration.ofMinutes(2))
                .run();

        assertThat(gateway.disconnects("auth_timeout")).as("3502, once: no reconnect").isEqualTo(1);
        gateway.awaitIdle(Duration.ofSeconds(20));
    }
}
