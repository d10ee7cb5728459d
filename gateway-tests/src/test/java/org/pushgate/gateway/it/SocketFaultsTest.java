package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pushgate.gateway.it.Profiles.FAST_HEARTBEAT;
import static org.pushgate.gateway.it.Profiles.LIVENESS_INTERVAL;
import static org.pushgate.gateway.it.Profiles.LIVENESS_TIMEOUT;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.CapturedLog;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.pushgate.gateway.it.support.TestClient;

/**
 * Every way a socket can end, over a real socket: whatever the peer does, the connection, its subscriptions
 * and timers and its admission permit are released, and the ending is counted under its reason.
 */
@GatewayTest({LIVENESS_INTERVAL, LIVENESS_TIMEOUT, FAST_HEARTBEAT})
class SocketFaultsTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final GatewayProbe gateway;

    SocketFaultsTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    private RawWebSocket subscribedRawPeer(String channel) throws Exception {
        RawWebSocket peer = RawWebSocket.connect(gateway.port(), GatewayProbe.wsPath("channel=" + channel));
        assertThat(peer.upgraded()).isTrue();
        RawWebSocket.Frame frame = peer.readFrame(WAIT);
        assertThat(frame.text()).contains("\"subscribed\"");
        assertThat(gateway.gauges().subscriptions()).isEqualTo(1);
        return peer;
    }

    private void assertReleasedAndCounted(String reason, double before) {
        gateway.awaitIdle(WAIT);
        Eventually.await(WAIT, () -> "one disconnect counted as " + reason + ", was " + (gateway.disconnects(reason) - before),
                () -> gateway.disconnects(reason) == before + 1);
    }

    @Test
    void aCleanCloseFrameIsEchoedAndReleasesEverything() throws Exception {
        double before = gateway.disconnects("client_close");
        try (RawWebSocket peer = subscribedRawPeer("clean")) {
            peer.sendClose(1000);

            RawWebSocket.Ending ending = peer.readUntilClosed(WAIT);

            assertThat(ending.closeCode()).isEqualTo(1000);
            assertThat(ending.eof()).isTrue();
        }
        assertReleasedAndCounted("client_close", before);
    }

    @Test
    void aReactorNettyClientClosingNormallyReleasesEverything() {
        double before = gateway.disconnects("client_close");
        try (TestClient client = TestClient.connect(gateway.ws("channel=normal"))) {
            client.await(f -> Json.isOp(f, "subscribed"), WAIT, "subscribed");
        }
        assertReleasedAndCounted("client_close", before);
    }

    @Test
    void anAbruptResetReleasesEverything() throws Exception {
        double before = gateway.disconnects("reset");
        RawWebSocket peer = subscribedRawPeer("reset");

        peer.abort();

        assertReleasedAndCounted("reset", before);
    }

    @Test
    void aResetWhileMessagesFlowReleasesEverything() throws Exception {
        double before = gateway.disconnects("reset");
        try (TestClient client = TestClient.connect(gateway.ws("channel=flowing"))) {
            client.await(f -> Json.isOp(f, "subscribed"), WAIT, "subscribed");
            for (int i = 0; i < 20; i++) {
                gateway.publish("flowing", "{\"i\":" + i + "}");
            }

            client.abort();

            client.awaitClosed(WAIT);
            for (int i = 0; i < 5; i++) {
                gateway.publish("flowing", "{\"after\":" + i + "}"); // publishing into a dying connection is harmless
            }
        }
        assertReleasedAndCounted("reset", before);
    }

    @Test
    void aSocketThatVanishesWithoutACloseFrameReleasesEverything() throws Exception {
        double before = gateway.disconnects("reset");
        RawWebSocket peer = subscribedRawPeer("vanish");

        peer.vanish(); // FIN, no close frame

        assertReleasedAndCounted("reset", before);
    }

    @Test
    void aReactorNettyClientThatVanishesReleasesEverything() {
        double before = gateway.disconnects("reset");
        TestClient client = TestClient.connect(gateway.ws("channel=gone"));
        client.await(f -> Json.isOp(f, "subscribed"), WAIT, "subscribed");

        client.vanish();

        assertReleasedAndCounted("reset", before);
    }

    @Test
    void aHalfOpenPeerThatNeverReadsNorAnswersIsClosedWithinIntervalPlusTimeout() throws Exception {
        double before = gateway.disconnects("liveness_timeout");
        try (RawWebSocket peer = RawWebSocket.connect(gateway.port(), GatewayProbe.wsPath("channel=half-open"))) {
            assertThat(peer.upgraded()).isTrue();
            long start = System.nanoTime();
            Eventually.await(WAIT, "connection registered", () -> gateway.gauges().connections() == 1);

            // Not a byte read from here on: only the gateway's own gauges say when it gave up on the peer.
            Eventually.await(LivenessTest.LIVENESS_BOUND.plus(LivenessTest.SLACK),
                    () -> "half-open peer released, but " + gateway.gauges(), () -> gateway.gauges().idle());

            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.out.println("half-open peer released after " + took.toMillis() + " ms");
            assertThat(took).isGreaterThanOrEqualTo(LivenessTest.LIVENESS_BOUND.minusMillis(100));
            RawWebSocket.Ending ending = peer.readUntilClosed(WAIT);
            assertThat(ending.closeCode()).as("what the peer finds when it reads at last").isEqualTo(4000);
        }
        assertReleasedAndCounted("liveness_timeout", before);
    }

    /**
     * A peer that resets the connection is an ordinary ending (counted as reset), not a failure of the
     * gateway: nothing is logged at WARN or above for it.
     */
    @Test
    void anAbruptResetIsNotLoggedAsAPipelineFailure() throws Exception {
        try (CapturedLog log = CapturedLog.of("org.pushgate.gateway.connection.ConnectionPipeline")) {
            double before = gateway.disconnects("reset");
            RawWebSocket peer = subscribedRawPeer("quiet-reset");

            peer.abort();

            assertReleasedAndCounted("reset", before);
            assertThat(log.warnings()).as("WARN+ log events for one reset").isEmpty();
        }
    }
}
