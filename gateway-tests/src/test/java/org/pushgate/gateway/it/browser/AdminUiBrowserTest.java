package org.pushgate.gateway.it.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.NodeScript;
import org.pushgate.gateway.it.support.TestClient;

/**
 * The admin page in Debian's Chromium ({@code js/browser/admin-ui.mjs}): without a credential it shows the 401
 * and no data; with the API key it shows live numbers equal to the gateway's own while connections come and go
 * and messages are published; audit and sweep show their results. Keeps a screenshot under target/.
 */
@GatewayTest("gateway.api.key=" + AdminUiBrowserTest.KEY)
class AdminUiBrowserTest {

    static final String KEY = "admin-ui-browser-key-3f9c2a7e";

    private final GatewayProbe gateway;

    AdminUiBrowserTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void theAdminPageShowsLiveNumbersAndRunsAuditAndSweep() throws IOException {
        Path screenshot = NodeScript.DIR.getParent().resolve("target/admin-ui.png");
        Files.createDirectories(screenshot.getParent());
        Files.deleteIfExists(screenshot);
        List<TestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                TestClient client = TestClient.connect(gateway.ws());
                client.subscribe("ui-news");
                if (i == 0) {
                    client.subscribe("ui-small");
                }
                clients.add(client);
            }

            String output = NodeScript.node("browser/admin-ui.mjs")
                    .env("PUSHGATE_PORT", gateway.port())
                    .env("PUSHGATE_API_KEY", KEY)
                    .env("PUSHGATE_BASE_CONNECTIONS", clients.size())
                    .env("PUSHGATE_SCREENSHOT", screenshot)
                    .timeout(Duration.ofMinutes(3))
                    .run();

            assertThat(output).contains("ok without a credential", "ok live numbers", "ok audit: checked", "ok sweep: probed",
                    "ok no page error");
            assertThat(Files.size(screenshot)).as("the screenshot %s", screenshot).isGreaterThan(1000);
        } finally {
            clients.forEach(TestClient::close);
        }
    }
}
