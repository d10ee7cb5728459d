package org.pushgate.gateway.it.centrifugo;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.NodeScript;

/**
 * Centrifugo's server SDK for Node, the unmodified npm package {@code cent.js} (pinned in gateway-tests/js), publishes,
 * broadcasts, reads history and pipelines commands through pushgate's {@code /centrifugo/api} with the API key in
 * its {@code X-API-Key} header, as it does against Centrifugo ({@code js/centrifugo/server-api.test.mjs}).
 */
@GatewayTest("gateway.api.key=s3cret-key") // the settings of ApiKeyTest: one shared gateway
class CentJsServerSdkTest {

    private final GatewayProbe gateway;

    CentJsServerSdkTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void centJsPublishesBroadcastsAndReadsHistoryUnchanged() {
        NodeScript.nodeTest("centrifugo/server-api.test.mjs")
                .env("GATEWAY_PORT", gateway.port())
                .env("API_KEY", "s3cret-key")
                .timeout(Duration.ofMinutes(2))
                .run();
    }
}
