package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pushgate.gateway.it.Profiles.UNLIMITED_BURST;
import static org.pushgate.gateway.it.Profiles.UNLIMITED_COMMANDS;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.connection.CloseReason;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.TestClient;

/** The server closing connections itself ({@code ConnectionRegistry.closeAll}), with many connections open. */
@GatewayTest({UNLIMITED_COMMANDS, UNLIMITED_BURST})
class ServerCloseTest {

    private static final int CONNECTIONS = 1000;
    private static final int CHANNELS = 10;

    private final GatewayProbe gateway;

    ServerCloseTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void givenAThousandSubscribedConnections_whenTheServerClosesThemAll_thenEachGets4002AndEverythingIsReleased() {
        double before = gateway.disconnects("server_close");
        List<TestClient> clients = Crowd.connect(gateway, CONNECTIONS, i -> "channel=crowd-" + (i % CHANNELS));
        assertThat(gateway.gauges().connections()).isEqualTo(CONNECTIONS);
        assertThat(gateway.gauges().subscriptions()).isEqualTo(CONNECTIONS);
        assertThat(gateway.gauges().channels()).isEqualTo(CHANNELS);
        assertThat(gateway.gauges().timers()).as("at least one timer (heartbeat, liveness) per connection")
                .isGreaterThanOrEqualTo(CONNECTIONS);

        long start = System.nanoTime();
        int asked = gateway.registry().closeAll(CloseReason.SERVER_CLOSE);

        assertThat(asked).isEqualTo(CONNECTIONS);
        Crowd.awaitAllClosed(clients, Duration.ofSeconds(20));
        gateway.awaitIdle(Duration.ofSeconds(10));
        System.out.println("server close of " + CONNECTIONS + " connections: all closed and released in "
                + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
        assertThat(clients).allSatisfy(client -> assertThat(client.closeCode()).isEqualTo(4002));
        Eventually.await(Duration.ofSeconds(5), "1000 disconnects counted as server_close",
                () -> gateway.disconnects("server_close") == before + CONNECTIONS);
    }
}
