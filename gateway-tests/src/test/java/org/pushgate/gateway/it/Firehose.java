package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.pushgate.gateway.it.support.TestClient;

import tools.jackson.databind.JsonNode;

/** A stream of large numbered messages through the publish API, to fill the buffers of a peer that stopped reading. */
final class Firehose {

    /** 8 KiB of data per message: a few hundred of them fill any socket and Netty buffer on loopback. */
    static final String PAD = "x".repeat(8 * 1024);
    static final int MAX_MESSAGES = 3000;
    static final int AFTER_CONDITION = 50;
    /** The longest a fast subscriber may see a message after its publish returned. */
    static final Duration ON_TIME = Duration.ofSeconds(2);

    /** @param publishedAtNanos when each publish returned, by sequence number (index 0 = seq 1) */
    record Result(int published, boolean conditionMet, long[] publishedAtNanos) {
    }

    private Firehose() {
    }

    /** A peer with a tiny receive window that reads its subscribe reply and then never reads again. */
    static RawWebSocket stalledPeer(GatewayProbe gateway, String channel) throws Exception {
        RawWebSocket peer = RawWebSocket.connect(gateway.port(), GatewayProbe.wsPath("channel=" + channel),
                RawWebSocket.Options.defaults().receiveBuffer(4096));
        assertThat(peer.upgraded()).isTrue();
        assertThat(peer.readFrame(Duration.ofSeconds(5)).text()).contains("\"subscribed\"");
        return peer;
    }

    /**
     * Publishes numbered messages one at a time until {@code condition} holds (checked every 25 messages),
     * then {@value #AFTER_CONDITION} more; at most {@value #MAX_MESSAGES}.
     */
    static Result publishUntil(GatewayProbe gateway, String channel, BooleanSupplier condition) {
        long[] at = new long[MAX_MESSAGES];
        int seq = 0;
        int stopAt = MAX_MESSAGES;
        boolean met = false;
        while (seq < stopAt) {
            seq++;
            GatewayProbe.Response response = gateway.publish(channel, "{\"seq\":" + seq + ",\"pad\":\"" + PAD + "\"}");
            at[seq - 1] = System.nanoTime();
            assertThat(response.status()).isEqualTo(200);
            if (!met && seq % 25 == 0 && condition.getAsBoolean()) {
                met = true;
                stopAt = Math.min(MAX_MESSAGES, seq + AFTER_CONDITION);
            }
        }
        System.out.println("firehose on " + channel + ": " + seq + " messages, condition met: " + met);
        return new Result(seq, met, at);
    }

    /** Every message 1..n, in order, with its own data, each within {@link #ON_TIME} of its publish. */
    static void assertReceivedEverythingInOrderOnTime(TestClient fast, Result run) {
        int n = run.published();
        Eventually.await(Duration.ofSeconds(10), () -> "fast subscriber got " + fast.arrivals().size() + " of " + n
                        + (fast.closedAtNanos() != 0 ? ", and was closed with " + fast.closeCode() : ", still open"),
                () -> fast.arrivals().size() >= n);
        List<TestClient.Arrival> arrivals = fast.arrivals();
        assertThat(arrivals).hasSize(n);
        long worstLag = 0;
        for (int i = 0; i < n; i++) {
            JsonNode frame = arrivals.get(i).frame();
            assertThat(frame.get("offset").asLong()).as("offset of message " + (i + 1)).isEqualTo(i + 1);
            assertThat(frame.get("data").get("seq").asInt()).isEqualTo(i + 1);
            assertThat(Json.text(frame.get("data"), "pad")).hasSize(PAD.length());
            worstLag = Math.max(worstLag, arrivals.get(i).atNanos() - run.publishedAtNanos()[i]);
        }
        System.out.println("fast subscriber: " + n + " messages in order, worst lag after publish "
                + Duration.ofNanos(Math.max(0, worstLag)).toMillis() + " ms");
        assertThat(Duration.ofNanos(worstLag)).isLessThan(ON_TIME);
    }
}
