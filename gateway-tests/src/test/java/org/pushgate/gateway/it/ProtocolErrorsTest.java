package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pushgate.gateway.it.Profiles.FEW_SUBSCRIPTIONS;
import static org.pushgate.gateway.it.Profiles.SMALL_FRAMES;
import static org.pushgate.gateway.it.Profiles.SMALL_PUBLISH;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.pushgate.gateway.it.support.TestClient;

import tools.jackson.databind.JsonNode;

/**
 * Hostile and broken client frames: each gets its documented error and the connection stays usable, except
 * the two that end it (a frame over gateway.limits.max-frame-bytes: 1009; one subscription too many: 1008).
 */
@GatewayTest({SMALL_FRAMES, FEW_SUBSCRIPTIONS, SMALL_PUBLISH})
class ProtocolErrorsTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final GatewayProbe gateway;

    ProtocolErrorsTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "{\"op\":                                                   | bad_json        | ",
            "not json at all                                           | bad_json        | ",
            "[1,2,3]                                                   | bad_frame       | ",
            "\"just a string\"                                         | bad_frame       | ",
            "{\"id\":5}                                                | bad_frame       | 5",
            "{\"op\":7,\"id\":6}                                       | bad_frame       | 6",
            "{\"op\":\"subscribe\",\"channel\":\"x\",\"id\":{\"a\":1}} | bad_frame       | ",
            "{\"op\":\"dance\",\"id\":7}                               | unknown_op      | 7",
            "{\"op\":\"subscribe\",\"channel\":\"no spaces\",\"id\":8} | invalid_channel | 8",
            "{\"op\":\"subscribe\",\"channel\":\"\",\"id\":9}          | invalid_channel | 9",
            "{\"op\":\"subscribe\",\"channel\":42,\"id\":10}           | invalid_channel | 10",
            "{\"op\":\"subscribe\",\"id\":11}                          | invalid_channel | 11",
            "{\"op\":\"unsubscribe\",\"channel\":\"a\\\"b\",\"id\":12} | invalid_channel | 12",
    })
    void aMalformedFrameGetsItsErrorAndTheConnectionStaysUsable(String frame, String code, Integer id) {
        try (TestClient client = TestClient.connect(gateway.ws())) {
            client.send(frame);

            JsonNode error = client.await(f -> Json.isOp(f, "error"), WAIT, "an error frame for " + frame);

            assertThat(Json.text(error, "code")).isEqualTo(code);
            assertThat(Json.text(error, "message")).isNotBlank();
            if (id == null) {
                assertThat(error.has("id")).as("no id to echo").isFalse();
            } else {
                assertThat(error.get("id").asInt()).isEqualTo(id);
            }
            assertThat(Json.text(client.subscribe("still-fine"), "op")).isEqualTo("subscribed");
            assertThat(client.isOpen()).isTrue();
        }
    }

    @Test
    void aChannelNameOverTheLengthLimitIsInvalid() {
        try (TestClient client = TestClient.connect(gateway.ws())) {
            JsonNode reply = client.subscribe("x".repeat(129));

            assertThat(Json.text(reply, "code")).isEqualTo("invalid_channel");
            assertThat(gateway.gauges().subscriptions()).isZero();
        }
    }

    @Test
    void aBinaryFrameIsAnUnsupportedFrameErrorAndTheConnectionStaysUsable() {
        try (TestClient client = TestClient.connect(gateway.ws())) {
            client.sendBinary(new byte[] {1, 2, 3});

            JsonNode error = client.await(f -> Json.isOp(f, "error"), WAIT, "unsupported_frame error");

            assertThat(Json.text(error, "code")).isEqualTo("unsupported_frame");
            assertThat(Json.text(client.subscribe("after-binary"), "op")).isEqualTo("subscribed");
        }
    }

    @Test
    void aFrameOverMaxFrameBytesClosesTheConnectionWith1009() {
        double before = gateway.disconnects("frame_too_large");
        try (TestClient client = TestClient.connect(gateway.ws("channel=big"))) {
            client.await(f -> Json.isOp(f, "subscribed"), WAIT, "subscribed");

            client.send("{\"op\":\"subscribe\",\"channel\":\"" + "y".repeat(2000) + "\"}");

            client.awaitClosed(WAIT);
            assertThat(client.closeCode()).isEqualTo(1009);
        }
        gateway.awaitIdle(WAIT);
        Eventually.await(WAIT, "disconnect counted as frame_too_large",
                () -> gateway.disconnects("frame_too_large") == before + 1);
    }

    @Test
    void aFrameJustUnderMaxFrameBytesIsAccepted() {
        try (TestClient client = TestClient.connect(gateway.ws())) {
            String padding = "p".repeat(1024 - 60);
            client.send("{\"op\":\"subscribe\",\"channel\":\"fits\",\"id\":1,\"pad\":\"" + padding + "\"}");

            assertThat(Json.text(client.reply(1), "op")).isEqualTo("subscribed");
        }
    }

    @Test
    void oneSubscriptionOverTheLimitClosesTheConnectionWith1008AndReleasesAllOfIt() {
        double before = gateway.disconnects("too_many_subscriptions");
        try (TestClient client = TestClient.connect(gateway.ws())) {
            for (int i = 1; i <= 5; i++) {
                assertThat(Json.text(client.subscribe("limit-" + i), "op")).isEqualTo("subscribed");
            }
            assertThat(gateway.gauges().subscriptions()).isEqualTo(5);

            client.subscribeAsync("limit-6");

            client.awaitClosed(WAIT);
            assertThat(client.closeCode()).isEqualTo(1008);
        }
        gateway.awaitIdle(WAIT);
        Eventually.await(WAIT, "disconnect counted as too_many_subscriptions",
                () -> gateway.disconnects("too_many_subscriptions") == before + 1);
    }

    @Test
    void tooManyChannelsInTheConnectQueryCloseTheConnectionWith1008() {
        String query = "channel=q1&channel=q2&channel=q3&channel=q4&channel=q5&channel=q6";
        try (TestClient client = TestClient.connect(gateway.ws(query))) {
            client.awaitClosed(WAIT);
            assertThat(client.closeCode()).isEqualTo(1008);
        }
        gateway.awaitIdle(WAIT);
    }

    @Test
    void anUnmaskedClientFrameIsAProtocolErrorThatEndsTheConnection() throws Exception {
        try (RawWebSocket raw = RawWebSocket.connect(gateway.port(), GatewayProbe.wsPath("channel=unmasked"))) {
            assertThat(raw.upgraded()).isTrue();
            // RFC 6455 5.1: a server must close the connection on an unmasked client frame.
            raw.write(new byte[] {(byte) 0x81, 0x02, 'h', 'i'});

            RawWebSocket.Ending ending = raw.readUntilClosed(WAIT);

            assertThat(ending.closeCode()).isIn(1002, -1);
        }
        gateway.awaitIdle(WAIT);
    }
}
