package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.LeakGuard;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.pushgate.gateway.it.support.RunningGateway;
import org.pushgate.gateway.it.support.TestClient;

/**
 * Graceful shutdown: closing the gateway's context closes every connection with 1001 and finishes within
 * gateway.shutdown.grace. Each test starts a gateway of its own (it is stopped at the end).
 */
@ExtendWith(LeakGuard.class)
class ShutdownTest {

    private static final Duration GRACE = Duration.ofSeconds(5);

    @Test
    void givenConnectedClients_whenTheContextCloses_thenEachGets1001WithinTheGrace() throws Exception {
        try (RunningGateway gateway = RunningGateway.start("gateway.shutdown.grace=" + GRACE.toSeconds() + "s")) {
            GatewayProbe probe = gateway.probe();
            List<TestClient> clients = Crowd.connect(probe, 3, i -> "channel=bye");
            RawWebSocket raw = RawWebSocket.connect(probe.port(), GatewayProbe.wsPath("channel=bye"));
            assertThat(raw.readFrame(Duration.ofSeconds(5)).text()).contains("subscribed");
            probe.awaitConnections(4, Duration.ofSeconds(5));

            Duration took = gateway.stop();

            System.out.println("shutdown with 4 connections took " + took.toMillis() + " ms (grace " + GRACE.toMillis() + " ms)");
            assertThat(took).isLessThan(GRACE);
            Crowd.awaitAllClosed(clients, Duration.ofSeconds(5));
            assertThat(clients).allSatisfy(c -> assertThat(c.closeCode()).isEqualTo(1001));
            assertThat(raw.readUntilClosed(Duration.ofSeconds(5)).closeCode()).isEqualTo(1001);
            raw.close();
            assertThat(probe.gauges().idle()).as("released before the context finished closing: " + probe.gauges()).isTrue();
        }
    }

    @Test
    void givenAThousandConnections_whenTheContextCloses_thenAllGet1001AndTheCloseFinishesWithinTheGrace() {
        try (RunningGateway gateway = RunningGateway.start("gateway.shutdown.grace=" + GRACE.toSeconds() + "s")) {
            GatewayProbe probe = gateway.probe();
            List<TestClient> clients = Crowd.connect(probe, 1000, i -> "channel=many-" + (i % 20));

            Duration took = gateway.stop();

            long lastClosed = clients.stream().mapToLong(TestClient::closedAtNanos).max().orElse(0);
            System.out.println("shutdown with 1000 connections took " + took.toMillis() + " ms (grace " + GRACE.toMillis() + " ms)");
            assertThat(took).isLessThan(GRACE);
            Crowd.awaitAllClosed(clients, Duration.ofSeconds(5));
            assertThat(clients).allSatisfy(c -> assertThat(c.closeCode()).isEqualTo(1001));
            assertThat(probe.gauges().idle()).as("released before the context finished closing: " + probe.gauges()).isTrue();
            assertThat(lastClosed).isPositive();
        }
    }

    @Test
    void whileShuttingDownNewUpgradesAreRefused() {
        try (RunningGateway gateway = RunningGateway.start("gateway.shutdown.grace=" + GRACE.toSeconds() + "s")) {
            GatewayProbe probe = gateway.probe();
            probe.admission().drain(); // what the shutdown does first; the rest of the shutdown follows in close()

            RawWebSocket refused = RawWebSocket.connect(probe.port(), "/ws");

            assertThat(refused.handshake().status()).isEqualTo(503);
            assertThat(refused.handshake().header("Retry-After")).isEqualTo("5");
            assertThat(Json.text(Json.parse(refused.handshake().body()), "error")).isEqualTo("shutting_down");
            refused.close();
        }
    }
}
