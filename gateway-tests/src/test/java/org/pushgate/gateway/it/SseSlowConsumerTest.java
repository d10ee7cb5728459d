package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.SseClient;

/**
 * An event stream that stops reading is cut as a slow consumer and released without its help, like a WebSocket
 * (the same settings as {@link SlowConsumerTest}, the same context); a fast stream on the channel gets everything.
 */
@GatewayTest({"gateway.outbound.buffer-size=128", "gateway.outbound.overflow=disconnect", "gateway.liveness.timeout=2s"})
class SseSlowConsumerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final GatewayProbe gateway;

    SseSlowConsumerTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void givenAStreamThatStopsReading_whenMessagesFlow_thenItIsCutAndReleasedWhileAFastStreamGetsEverything()
            throws Exception {
        double cutsBefore = gateway.dropped("slow_consumer");
        double disconnectsBefore = gateway.disconnects("slow_consumer");
        try (SseClient fast = SseClient.open(gateway.port(), "channel=sse-firehose");
             SseClient stalled = SseClient.open(gateway.port(), "channel=sse-firehose", 4096, false)) {
            fast.await(e -> e.name().equals("subscribed"), WAIT, "fast subscribed");
            gateway.awaitConnections(2, WAIT);
            Eventually.await(WAIT, "both subscribed", () -> gateway.gauges().subscriptions() == 2);

            Firehose.Result run = Firehose.publishUntil(gateway, "sse-firehose",
                    () -> gateway.dropped("slow_consumer") > cutsBefore);

            assertThat(run.conditionMet()).as("the stalled stream was cut after " + run.published() + " messages").isTrue();
            Eventually.await(WAIT, () -> "fast stream got " + fast.messages().size() + " of " + run.published(),
                    () -> fast.messages().size() == run.published());
            for (int i = 0; i < run.published(); i++) {
                assertThat(fast.messages().get(i).get("offset").asLong()).isEqualTo(i + 1);
            }
            // Not a byte read by the stalled peer: the gateway lets go on its own.
            gateway.awaitConnections(1, WAIT);
            assertThat(fast.ended()).isFalse();
        }
        gateway.awaitIdle(WAIT);
        Eventually.await(WAIT, "disconnect counted as slow_consumer",
                () -> gateway.disconnects("slow_consumer") == disconnectsBefore + 1);
    }
}
