package org.pushgate.gateway.it.centrifugo;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.NodeScript;

/**
 * Centrifugo's SDK once in a real browser: Debian's headless Chromium runs the SDK's browser build against
 * {@code /connection/websocket} (scenario in {@code gateway-tests/js/centrifuge/browser.test.mjs}). The same gateway
 * settings as {@link CentrifugoSdkTest}, so the two share one running gateway.
 */
@GatewayTest({"gateway.liveness.interval=1s", "gateway.liveness.timeout=1s",
        "gateway.limits.max-subscriptions-per-connection=40", "gateway.history.namespaces.short.size=3"})
class CentrifugoBrowserTest {

    private final GatewayProbe gateway;

    CentrifugoBrowserTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void theSdksBrowserBuildConnectsSubscribesAndRecoversInChromium() {
        NodeScript.nodeTest("centrifuge/browser.test.mjs").env("PUSHGATE_PORT", gateway.port())
                .timeout(Duration.ofMinutes(3)).run();
        gateway.awaitIdle(Duration.ofSeconds(20));
    }
}
