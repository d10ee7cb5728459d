package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.pushgate.gateway.it.support.TestClient;

/**
 * The disconnect overflow policy: a subscriber whose socket stops taking data is cut (4001) once its bounded
 * buffer is full, and the other subscribers of the channel get every message, in order, on time.
 */
// 128 frames: small enough to fill behind a stalled peer within a few hundred messages, large enough that the
// fast subscriber (sharing two cores with the gateway and the publisher) is never the one that overflows.
@GatewayTest({"gateway.outbound.buffer-size=128", "gateway.outbound.overflow=disconnect", "gateway.liveness.timeout=2s"})
class SlowConsumerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final GatewayProbe gateway;

    SlowConsumerTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void givenAPeerThatStopsReading_whenMessagesFlow_thenItIsCutWith4001AndTheFastSubscriberGetsEverythingInOrderOnTime()
            throws Exception {
        double cutsBefore = gateway.dropped("slow_consumer");
        double disconnectsBefore = gateway.disconnects("slow_consumer");
        try (TestClient fast = TestClient.connect(gateway.ws("channel=firehose"));
             RawWebSocket stalled = Firehose.stalledPeer(gateway, "firehose")) {
            fast.await(f -> Json.isOp(f, "subscribed"), WAIT, "fast subscribed");

            Firehose.Result run = Firehose.publishUntil(gateway, "firehose",
                    () -> gateway.dropped("slow_consumer") > cutsBefore);

            assertThat(run.conditionMet()).as("the stalled peer was cut after " + run.published() + " messages").isTrue();
            Firehose.assertReceivedEverythingInOrderOnTime(fast, run);
            assertThat(gateway.dropped("slow_consumer")).as("cut once").isEqualTo(cutsBefore + 1);

            // Once the peer reads again it finds everything that was already on its way, then the close frame.
            RawWebSocket.Ending ending = stalled.readUntilClosed(WAIT);
            System.out.println("cut peer read " + ending.framesBefore() + " frames before the close frame");
            assertThat(ending.closeCode()).isEqualTo(4001);
            assertThat(fast.isOpen()).isTrue();
            gateway.awaitConnections(1, WAIT);
        }
        gateway.awaitIdle(WAIT);
        Eventually.await(WAIT, "disconnect counted as slow_consumer",
                () -> gateway.disconnects("slow_consumer") == disconnectsBefore + 1);
    }

    /**
     * A cut connection must be released by the gateway itself: a peer that never reads again must not keep
     * its registry entry, its subscription and its admission permit for as long as the TCP connection lives.
     */
    @Test
    void givenAPeerThatStopsReading_whenItIsCut_thenTheGatewayReleasesItWithoutThePeersHelp() throws Exception {
        double cutsBefore = gateway.dropped("slow_consumer");
        try (RawWebSocket stalled = Firehose.stalledPeer(gateway, "stuck")) {
            Firehose.Result run = Firehose.publishUntil(gateway, "stuck", () -> gateway.dropped("slow_consumer") > cutsBefore);
            assertThat(run.conditionMet()).isTrue();

            // Not a byte read: the gateway must let go on its own.
            Eventually.await(WAIT, () -> "cut connection released, but " + gateway.gauges(), () -> gateway.gauges().idle());
        }
    }
}
