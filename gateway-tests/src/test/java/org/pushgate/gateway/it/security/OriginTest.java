package org.pushgate.gateway.it.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.pushgate.gateway.it.support.RawWebSocket.Options;

/**
 * Cross-site WebSocket hijacking (docs/security.md): with gateway.allowed-origins set, a browser upgrade
 * from any other origin gets 403 {@code forbidden_origin} before the upgrade, counted in
 * {@code gateway_connections_rejected_total{reason="forbidden_origin"}}; the allowed origin, and clients
 * that send no Origin at all, connect.
 */
@JwtGateway
class OriginTest {

    private final GatewayProbe gateway;

    OriginTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void givenAForeignOrigin_whenUpgrading_thenTheUpgradeIsRefusedWith403BeforeAnythingIsMade() {
        List<String> foreign = List.of("https://evil.example", "http://app.example", "https://app.example.evil.example",
                "https://app.example:8443", "null");
        double before = Http.rejected(gateway.port(), "forbidden_origin");
        for (String origin : foreign) {
            try (RawWebSocket client = RawWebSocket.connect(gateway.port(), "/ws", Options.defaults().header("Origin", origin)
                    .header("Authorization", Http.bearer(Tokens.client("victim", 600))))) {

                assertThat(client.upgraded()).as(origin).isFalse();
                assertThat(client.handshake().status()).as(origin).isEqualTo(403);
                assertThat(client.handshake().header("Content-Type")).startsWith("application/json");
                assertThat(Json.text(Json.parse(client.handshake().body()), "error")).isEqualTo("forbidden_origin");
                assertThat(gateway.gauges().connections()).isZero();
                assertThat(gateway.gauges().admitted()).isZero();
            }
        }
        Eventually.await(Duration.ofSeconds(5), "each counted as forbidden_origin",
                () -> Http.rejected(gateway.port(), "forbidden_origin") >= before + foreign.size());
    }

    @Test
    void givenTheAllowedOrigin_whenUpgrading_thenTheClientConnects() {
        try (RawWebSocket client = RawWebSocket.connect(gateway.port(), "/ws",
                Options.defaults().header("Origin", "https://app.example"))) {
            assertThat(client.upgraded()).as(client.handshake().toString()).isTrue();
            client.sendConnect(Tokens.client("maya", 600), 1);
            assertThat(Json.text(client.reply(1), "op")).isEqualTo("connected");
        }
    }

    @Test
    void givenNoOrigin_whenUpgrading_thenTheClientConnects() {
        try (RawWebSocket client = RawWebSocket.connect(gateway.port(), "/ws")) {
            assertThat(client.upgraded()).as(client.handshake().toString()).isTrue();
            client.sendConnect(Tokens.client("nina", 600), 1);
            assertThat(Json.text(client.reply(1), "op")).isEqualTo("connected");
        }
    }
}
