package org.pushgate.gateway.it.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.LeakGuard;
import org.pushgate.gateway.it.support.NodeScript;
import org.pushgate.gateway.it.support.RunningGateway;

/**
 * The server-side cut 3001 (shutdown) as Centrifugo's SDK sees it: {@code centrifuge/shutdown.test.mjs} holds a
 * subscription while this class stops its gateway (graceful shutdown) and starts a new one on the same port; the
 * SDK must reconnect by itself and, the memory engine's streams being gone with the old process, be told
 * {@code recovered: false} with a new epoch.
 */
@ExtendWith(LeakGuard.class)
class CentrifugoShutdownTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aShutdownCutsWith3001AndTheSdkReconnectsToTheRestartedGatewayWithoutRecovery() throws Exception {
        Path ready = Files.createTempFile("cf-shutdown", ".ready");
        Files.delete(ready);
        CompletableFuture<String> sdk;
        int port;
        try (RunningGateway first = RunningGateway.start()) {
            port = first.probe().port();
            NodeScript script = NodeScript.nodeTest("centrifuge/shutdown.test.mjs").env("PUSHGATE_PORT", port)
                    .env("PUSHGATE_READY_FILE", ready).timeout(Duration.ofMinutes(3));
            sdk = CompletableFuture.supplyAsync(script::run);
            Eventually.await(WAIT, "the SDK's first publication", () -> sdk.isDone() || Files.exists(ready));
            assertThat(sdk).as("the script ended before the shutdown").isNotDone();
            first.stop();
        }
        try (RunningGateway second = RunningGateway.start("server.port=" + port)) {
            String output = sdk.get(3, TimeUnit.MINUTES);
            assertThat(output).contains("pass 1");
            assertThat(second.probe().metric("gateway_connections_opened_total", "transport", "ws", "protocol", "centrifugo"))
                    .as("the SDK reconnected to the new gateway").isPositive();
        }
        finally {
            Files.deleteIfExists(ready);
        }
    }
}
