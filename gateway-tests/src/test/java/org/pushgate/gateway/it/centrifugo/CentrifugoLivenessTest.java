package org.pushgate.gateway.it.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.NodeScript;

/**
 * The liveness cut 3012 as Centrifugo's unmodified SDK sees it ({@code centrifuge/liveness.test.mjs}): a network that
 * loses the SDK's pongs gets the connection cut within a second or two, and the SDK reconnects and recovers what was
 * published meanwhile. A gateway of its own, as the 1 s liveness it needs would race the other cuts of
 * {@link CentrifugoSdkTest} (a flood of 200 frames can hold a pong back for longer than that on a busy box).
 */
@GatewayTest({"gateway.liveness.interval=1s", "gateway.liveness.timeout=1s"})
class CentrifugoLivenessTest {

    private final GatewayProbe gateway;

    CentrifugoLivenessTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void aServerThatHearsNoPongCutsWith3012AndTheSdkReconnectsAndRecovers() {
        NodeScript.nodeTest("centrifuge/liveness.test.mjs").env("PUSHGATE_PORT", gateway.port())
                .timeout(Duration.ofMinutes(2)).run();

        assertThat(gateway.disconnects("liveness_timeout")).as("no pong, 3012").isPositive();
        gateway.awaitIdle(Duration.ofSeconds(20));
    }
}
