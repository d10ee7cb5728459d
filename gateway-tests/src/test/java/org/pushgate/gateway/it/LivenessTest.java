package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pushgate.gateway.it.Profiles.FAST_HEARTBEAT;
import static org.pushgate.gateway.it.Profiles.LIVENESS_INTERVAL;
import static org.pushgate.gateway.it.Profiles.LIVENESS_TIMEOUT;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.pushgate.gateway.it.support.TestClient;

/**
 * The liveness probe: a ping every gateway.liveness.interval; a peer that sends nothing (no pong, no frame)
 * within gateway.liveness.timeout after it is closed with 4000. Heartbeats flow meanwhile.
 */
@GatewayTest({LIVENESS_INTERVAL, LIVENESS_TIMEOUT, FAST_HEARTBEAT})
class LivenessTest {

    /** interval + timeout: the latest a silent peer may be closed, before scheduling slack. */
    static final Duration LIVENESS_BOUND = Duration.ofMillis(1000);
    static final Duration SLACK = Duration.ofMillis(1500);
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final GatewayProbe gateway;

    LivenessTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void givenAPeerThatReadsButNeverAnswersPings_thenItIsClosedWith4000AfterIntervalPlusTimeout() throws Exception {
        double before = gateway.disconnects("liveness_timeout");
        try (RawWebSocket silent = RawWebSocket.connect(gateway.port(), GatewayProbe.wsPath("channel=quiet"))) {
            assertThat(silent.upgraded()).isTrue();
            long start = System.nanoTime();

            RawWebSocket.Ending ending = silent.readUntilClosed(LIVENESS_BOUND.plus(SLACK).plus(SLACK));

            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.out.println("silent peer closed after " + took.toMillis() + " ms (bound " + LIVENESS_BOUND.toMillis() + " ms)");
            assertThat(ending.closeCode()).isEqualTo(4000);
            assertThat(took).isGreaterThanOrEqualTo(LIVENESS_BOUND.minusMillis(100)).isLessThan(LIVENESS_BOUND.plus(SLACK));
        }
        gateway.awaitIdle(WAIT);
        Eventually.await(WAIT, "disconnect counted as liveness_timeout",
                () -> gateway.disconnects("liveness_timeout") == before + 1);
    }

    @Test
    void givenAClientThatAnswersPings_thenItStaysConnectedForManyLivenessPeriodsAndGetsHeartbeats() {
        double before = gateway.disconnects("liveness_timeout");
        try (TestClient client = TestClient.connect(gateway.ws("channel=alive"))) {
            // 12 heartbeats at 200 ms: 2.4 s, more than two liveness periods of ping + timeout.
            Eventually.await(WAIT, () -> "12 heartbeats, got " + client.frames(),
                    () -> client.frames().stream().filter(f -> Json.isOp(f, "heartbeat")).count() >= 12);

            assertThat(client.isOpen()).isTrue();
            assertThat(gateway.disconnects("liveness_timeout")).isEqualTo(before);
            assertThat(gateway.publish("alive", "1").json().get("subscribers").asInt()).isEqualTo(1);
        }
    }

    @Test
    void givenARawPeerThatAnswersEveryPingWithAPong_thenItStaysConnected() throws Exception {
        try (RawWebSocket peer = RawWebSocket.connect(gateway.port(), GatewayProbe.wsPath("channel=ponger"))) {
            int pings = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(6).toNanos();
            while (pings < 4 && System.nanoTime() < deadline) {
                RawWebSocket.Frame frame = peer.readFrame(Duration.ofSeconds(2));
                assertThat(frame.opcode()).as("no close frame while answering pings").isNotEqualTo(RawWebSocket.CLOSE);
                if (frame.opcode() == RawWebSocket.PING) {
                    peer.sendPong(frame.payload());
                    pings++;
                }
            }
            assertThat(pings).isEqualTo(4);
            assertThat(gateway.gauges().connections()).isEqualTo(1);
            peer.sendClose(1000);
            assertThat(peer.readUntilClosed(WAIT).closeCode()).isEqualTo(1000);
        }
        gateway.awaitIdle(WAIT);
    }
}
