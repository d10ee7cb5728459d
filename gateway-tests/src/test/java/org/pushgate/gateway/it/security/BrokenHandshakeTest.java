package org.pushgate.gateway.it.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.RawWebSocket;

/**
 * Connection flood by broken handshakes (docs/security.md: "All refusals happen before any per-connection
 * resource exists"): an upgrade request that cannot become a WebSocket is answered with a 4xx and costs
 * nothing, so that no number of them can use up the connection limit of a legitimate client.
 */
@GatewayTest("gateway.limits.max-connections-per-address=3")
class BrokenHandshakeTest {

    private static final String KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    private static final List<String> BROKEN = List.of(
            "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n",
            "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + KEY + "Sec-WebSocket-Version: 99\r\n",
            "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + KEY,
            "POST /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + KEY
                    + "Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n");

    private final GatewayProbe gateway;

    BrokenHandshakeTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }
    @Test
    void brokenUpgradeRequestsAreRefusedWith4xxAndNeverCostALegitimateClientItsSlot() throws IOException {
        for (String request : BROKEN) {
            assertThat(send(request)).as(request).startsWith("HTTP/1.1 4");
        }

        Eventually.await(Duration.ofSeconds(5), () -> "no admission permit left, but " + gateway.gauges(),
                () -> gateway.gauges().admitted() == 0);
        try (RawWebSocket client = RawWebSocket.connect(gateway.port(), "/ws")) {
            assertThat(client.handshake().status()).as("a well-formed upgrade after them").isEqualTo(101);
        }
    }

    @Test
    void anUpgradeWithoutTheUpgradeHeaderIsRefusedWith400AndCostsNothing() throws IOException {
        for (int i = 0; i < 5; i++) {
            assertThat(send("GET /ws HTTP/1.1\r\nConnection: keep-alive\r\n" + KEY + "Sec-WebSocket-Version: 13\r\n"))
                    .startsWith("HTTP/1.1 400");
        }

        assertThat(gateway.gauges().admitted()).isZero();
        try (RawWebSocket client = RawWebSocket.connect(gateway.port(), "/ws")) {
            assertThat(client.handshake().status()).isEqualTo(101);
        }
    }

    /** Sends a raw HTTP request and returns the start of the answer ("" when the server closes without one). */
    private String send(String request) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), gateway.port()), 5_000);
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write((request + "Host: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
        }
    }
}
