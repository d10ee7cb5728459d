package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.net.SocketTimeoutException;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.pushgate.gateway.it.support.TestClient;

import tools.jackson.databind.JsonNode;

/**
 * The drop-oldest overflow policy: a subscriber whose socket stops taking data stays connected and loses its
 * oldest buffered messages (counted); the other subscribers of the channel get every message, in order, on time.
 */
// 128 frames: small enough to fill behind a stalled peer within a few hundred messages, large enough that the
// fast subscriber (sharing two cores with the gateway and the publisher) is never the one that overflows.
@GatewayTest({"gateway.outbound.buffer-size=128", "gateway.outbound.overflow=drop-oldest"})
class DropOldestTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final GatewayProbe gateway;

    DropOldestTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void givenAPeerThatStopsReading_whenMessagesFlow_thenItStaysConnectedLosesTheOldestAndTheFastSubscriberGetsEverything()
            throws Exception {
        double dropsBefore = gateway.dropped("drop_oldest");
        double cutsBefore = gateway.dropped("slow_consumer");
        try (TestClient fast = TestClient.connect(gateway.ws("channel=lossy"));
             RawWebSocket stalled = Firehose.stalledPeer(gateway, "lossy")) {
            fast.await(f -> Json.isOp(f, "subscribed"), WAIT, "fast subscribed");

            Firehose.Result run = Firehose.publishUntil(gateway, "lossy",
                    () -> gateway.dropped("drop_oldest") > dropsBefore);

            assertThat(run.conditionMet()).as("drops counted after " + run.published() + " messages").isTrue();
            Firehose.assertReceivedEverythingInOrderOnTime(fast, run);
            double drops = gateway.dropped("drop_oldest") - dropsBefore;
            System.out.println("drop-oldest: " + drops + " message(s) dropped for the stalled peer of " + run.published());
            assertThat(drops).isGreaterThanOrEqualTo(Firehose.AFTER_CONDITION);
            assertThat(gateway.dropped("slow_consumer")).as("nobody cut").isEqualTo(cutsBefore);
            assertThat(gateway.gauges().connections()).as("the stalled peer is still connected").isEqualTo(2);
            assertThat(gateway.gauges().subscriptions()).isEqualTo(2);

            // Reading again, the peer gets what was still queued: increasing offsets with a gap, up to the newest.
            long last = 0;
            int received = 0;
            boolean gap = false;
            while (last < run.published()) {
                RawWebSocket.Frame frame = stalled.readFrame(WAIT);
                if (frame.opcode() != RawWebSocket.TEXT) {
                    continue;
                }
                JsonNode message = Json.parse(frame.text());
                if (!Json.isOp(message, "message")) {
                    continue;
                }
                long offset = message.get("offset").asLong();
                assertThat(offset).isGreaterThan(last);
                gap |= offset > last + 1;
                last = offset;
                received++;
            }
            System.out.println("drop-oldest: the stalled peer then read " + received + " of " + run.published() + " messages");
            assertThat(gap).as("the peer missed some messages").isTrue();
            assertThat(last).as("the newest message survives").isEqualTo(run.published());
            stalled.sendClose(1000);
            assertThat(stalled.readUntilClosed(WAIT).closeCode()).isEqualTo(1000);
        }
        gateway.awaitIdle(WAIT);
    }
}
