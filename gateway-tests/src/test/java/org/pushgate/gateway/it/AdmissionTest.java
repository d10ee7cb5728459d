package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.pushgate.gateway.it.support.RawWebSocket.Options;

import tools.jackson.databind.JsonNode;

/**
 * The 503 valve: an upgrade over gateway.limits.max-connections or max-connections-per-address is refused
 * with 503 and Retry-After before anything is allocated for it, counted by reason, and the valve reopens
 * as soon as a connection leaves. Clients come from several loopback addresses (127.0.0.x).
 */
@GatewayTest({"gateway.limits.max-connections=4", "gateway.limits.max-connections-per-address=2"})
class AdmissionTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final GatewayProbe gateway;
    private final List<RawWebSocket> open = new ArrayList<>();

    AdmissionTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    private RawWebSocket connectFrom(String address) {
        RawWebSocket ws = RawWebSocket.connect(gateway.port(), GatewayProbe.wsPath("channel=admitted"),
                Options.defaults().from(address));
        open.add(ws);
        return ws;
    }

    private void closeAll() throws Exception {
        for (RawWebSocket ws : open) {
            if (ws.upgraded()) {
                ws.sendClose(1000);
                ws.readUntilClosed(WAIT);
            }
            ws.close();
        }
        open.clear();
    }

    private static void assertRefused(RawWebSocket ws, String reason, String retryAfter) {
        assertThat(ws.handshake().status()).isEqualTo(503);
        assertThat(ws.handshake().header("Retry-After")).isEqualTo(retryAfter);
        JsonNode body = Json.parse(ws.handshake().body());
        assertThat(Json.text(body, "error")).isEqualTo(reason);
        assertThat(Json.text(body, "message")).isNotBlank();
    }

    @Test
    void givenTwoConnectionsFromOneAddress_whenAThirdComes_thenItGets503WithRetryAfterAndOthersStillGetIn() throws Exception {
        double rejectedBefore = gateway.rejected("max_connections_per_address");
        try {
            assertThat(connectFrom("127.0.0.1").upgraded()).isTrue();
            assertThat(connectFrom("127.0.0.1").upgraded()).isTrue();

            RawWebSocket third = connectFrom("127.0.0.1");

            assertRefused(third, "max_connections_per_address", "10");
            assertThat(gateway.rejected("max_connections_per_address")).isEqualTo(rejectedBefore + 1);
            assertThat(gateway.gauges().connections()).as("the refused upgrade holds nothing").isEqualTo(2);
            assertThat(gateway.admission().admitted()).isEqualTo(2);
            assertThat(connectFrom("127.0.0.2").upgraded()).as("another address still gets in").isTrue();
        } finally {
            closeAll();
        }
        gateway.awaitIdle(WAIT);
    }

    @Test
    void givenMaxConnectionsOpen_whenOneMoreComes_thenItGets503UntilOneLeaves() throws Exception {
        double rejectedBefore = gateway.rejected("max_connections");
        try {
            for (String address : List.of("127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.2")) {
                assertThat(connectFrom(address).upgraded()).isTrue();
            }
            gateway.awaitConnections(4, WAIT);

            RawWebSocket fifth = connectFrom("127.0.0.3");

            assertRefused(fifth, "max_connections", "5");
            assertThat(gateway.rejected("max_connections")).isEqualTo(rejectedBefore + 1);
            assertThat(gateway.admission().admitted()).isEqualTo(4);

            RawWebSocket leaving = open.get(0);
            leaving.sendClose(1000);
            leaving.readUntilClosed(WAIT);
            gateway.awaitConnections(3, WAIT);
            org.pushgate.gateway.it.support.Eventually.await(WAIT, "permit returned", () -> gateway.admission().admitted() == 3);
            assertThat(connectFrom("127.0.0.3").upgraded()).as("the valve reopens").isTrue();
        } finally {
            closeAll();
        }
        gateway.awaitIdle(WAIT);
    }

    @Test
    void refusedUpgradesLeaveNothingBehind() throws Exception {
        try {
            for (String address : List.of("127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.2")) {
                assertThat(connectFrom(address).upgraded()).isTrue();
            }
            for (int i = 0; i < 50; i++) {
                RawWebSocket refused = connectFrom("127.0.0." + (3 + i % 3));
                assertThat(refused.handshake().status()).isEqualTo(503);
                refused.close();
            }
            assertThat(gateway.admission().admitted()).isEqualTo(4);
            assertThat(gateway.gauges().connections()).isEqualTo(4);
            assertThat(gateway.admission().trackedAddresses()).isEqualTo(2);
        } finally {
            closeAll();
        }
        gateway.awaitIdle(WAIT);
        assertThat(gateway.admission().trackedAddresses()).isZero();
    }
}
