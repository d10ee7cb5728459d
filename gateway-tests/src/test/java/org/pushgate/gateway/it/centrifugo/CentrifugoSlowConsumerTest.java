package org.pushgate.gateway.it.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.NodeScript;

/**
 * The slow-consumer cut 3008 as Centrifugo's unmodified SDK sees it ({@code centrifuge/slow.test.mjs}): its socket
 * stops reading, the gateway cuts it once its subscriber buffer of 16 frames is full, and the SDK, reading on,
 * reconnects by itself and recovers every publication exactly once, in order, whether it read the 3008 close frame
 * or found its socket gone. History holds every message the script publishes (at most a few thousand of 8 KiB), so
 * the recovery is never refused for want of it; liveness is the default (the abort 10 s after the close frame).
 */
@GatewayTest({"gateway.outbound.buffer-size=16", "gateway.outbound.overflow=disconnect",
        "gateway.history.size=4000", "gateway.history.max-recovered=4000"})
class CentrifugoSlowConsumerTest {

    private final GatewayProbe gateway;

    CentrifugoSlowConsumerTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void aStalledSdkIsCutAsSlowAndReconnectsAndRecoversEverythingOnceInOrder() {
        String output = NodeScript.nodeTest("centrifuge/slow.test.mjs").env("PUSHGATE_PORT", gateway.port())
                .timeout(Duration.ofMinutes(3)).run();
        System.out.println(output);

        assertThat(gateway.dropped("slow_consumer")).as("two cuts, one per test of the script").isEqualTo(2);
        gateway.awaitIdle(Duration.ofSeconds(20));
        assertThat(gateway.disconnects("slow_consumer")).as("both counted as slow_consumer disconnects").isEqualTo(2);
    }
}
