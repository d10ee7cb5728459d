package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.SseClient;

/** An event stream is admitted like a WebSocket (the same limits as {@link AdmissionTest}, the same context). */
@GatewayTest({"gateway.limits.max-connections=4", "gateway.limits.max-connections-per-address=2"})
class SseAdmissionTest {

    private final GatewayProbe gateway;

    SseAdmissionTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void pastTheLimitAStreamGets503WithRetryAfterBeforeAnythingIsMadeAndGetsInOnceOneLeaves() throws Exception {
        double before = gateway.rejected("max_connections_per_address");
        try (SseClient first = SseClient.open(gateway.port(), "channel=adm");
             SseClient second = SseClient.open(gateway.port(), "channel=adm")) {
            assertThat(first.status()).isEqualTo(200);
            assertThat(second.status()).isEqualTo(200);
            gateway.awaitConnections(2, Duration.ofSeconds(5));
            try (SseClient third = SseClient.open(gateway.port(), "channel=adm")) {
                assertThat(third.status()).isEqualTo(503);
                assertThat(third.header("retry-after")).isNotBlank();
                assertThat(third.errorBody()).contains("max_connections_per_address");
            }
            assertThat(gateway.rejected("max_connections_per_address")).isEqualTo(before + 1);
            assertThat(gateway.gauges().connections()).isEqualTo(2);
            first.close();
            gateway.awaitConnections(1, Duration.ofSeconds(5));
            try (SseClient again = SseClient.open(gateway.port(), "channel=adm")) {
                assertThat(again.status()).isEqualTo(200);
            }
        }
    }
}
