package org.pushgate.gateway.it.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pushgate.gateway.it.security.SecurityProfiles.COMMANDS_PER_SECOND;
import static org.pushgate.gateway.it.security.SecurityProfiles.COMMAND_BURST;
import static org.pushgate.gateway.it.security.SecurityProfiles.CONNECTION_RATE;
import static org.pushgate.gateway.it.security.SecurityProfiles.FEW_SUBSCRIPTIONS;
import static org.pushgate.gateway.it.security.SecurityProfiles.RATE_VIOLATIONS;
import static org.pushgate.gateway.it.security.SecurityProfiles.SMALL_FRAMES;
import static org.pushgate.gateway.it.security.SecurityProfiles.SMALL_PUBLISH;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.HttpWire;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.pushgate.gateway.it.support.RawWebSocket.Options;

import tools.jackson.databind.JsonNode;

/**
 * Hostile volume (docs/security.md, "Connection flood", "Hostile frames"): 5 commands a second with a burst
 * of 10 and 5 refusals in a row before 4007; 5 new connections a second per address (burst 10) before 429;
 * frames over 1024 bytes close with 1009; JSON deeper than 16 levels is {@code bad_json}; a 6th subscription
 * closes with 1008; publish bodies over 4096 bytes get 400 and publish nothing.
 */
@org.pushgate.gateway.it.support.GatewayTest({COMMANDS_PER_SECOND, COMMAND_BURST, RATE_VIOLATIONS, CONNECTION_RATE,
        SMALL_FRAMES, FEW_SUBSCRIPTIONS, SMALL_PUBLISH})
class FloodLimitsTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    /** A loopback address of this test's own, so that its connection bucket starts full. */
    private static final String FLOODER = "127.0.0.23";

    private final GatewayProbe gateway;

    FloodLimitsTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void givenACommandFlood_thenTheBurstIsServedThenRateLimitedErrorsThenTheConnectionIsClosedWith4007() {
        double before = Http.disconnects(gateway.port(), "rate_limited");
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws")) {
            // burst (10) + violations (5): enough to be cut unless the bucket refilled meanwhile; then a few more
            int sent = 0;
            for (; sent < 15; sent++) {
                client.send(unsubscribe(sent));
            }
            while (!client.closesWithin(Duration.ofMillis(500)) && sent < 30) {
                client.send(unsubscribe(sent++));
            }

            assertThat(client.awaitClose()).isEqualTo(4007);
            assertThat(client.closeReason()).isEqualTo("too many commands");
            List<JsonNode> frames = client.frames();
            long served = frames.stream().filter(f -> "not_subscribed".equals(Json.text(f, "code"))).count();
            long limited = frames.stream().filter(f -> "rate_limited".equals(Json.text(f, "code"))).count();
            assertThat(served).as("the burst is served").isGreaterThanOrEqualTo(10);
            assertThat(limited).as("refusals before the close").isBetween(1L, 4L);
            assertThat(frames.subList(0, 10)).as("no refusal within the burst").noneMatch(f -> "rate_limited".equals(Json.text(f, "code")));
        }
        Eventually.await(WAIT, "counted as rate_limited", () -> Http.disconnects(gateway.port(), "rate_limited") >= before + 1);
    }

    /**
     * A flooder that goes on writing after the cut still reads why it was cut: the close frame, then a FIN (the
     * gateway half-closes and drops what keeps coming, a lingering close). Closing at once with its frames unread
     * made the kernel answer with a reset, which could overtake the close frame: the SDKs then saw 1006 instead.
     */
    @Test
    void givenAFloodThatGoesOnAfterTheCut_thenTheCloseFrameAndAFinStillReachTheFlooder() throws Exception {
        for (int round = 0; round < 5; round++) {
            try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws", Options.defaults().from("127.0.0.24"))) {
                AtomicBoolean done = new AtomicBoolean();
                byte[] frame = RawWebSocket.encode(0x81, unsubscribe(0).getBytes(StandardCharsets.UTF_8), true);
                byte[] batch = new byte[frame.length * 64];
                for (int i = 0; i < 64; i++) {
                    System.arraycopy(frame, 0, batch, i * frame.length, frame.length);
                }
                Thread writer = new Thread(() -> {
                    // Bounded: 4,000 batches (256,000 frames) or 3 s, whichever comes first.
                    long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                    for (int i = 0; i < 4_000 && !done.get() && System.nanoTime() < until; i++) {
                        client.write(batch);
                    }
                }, "flooder");
                writer.setDaemon(true);
                writer.start();
                RawWebSocket.Ending ending = client.readUntilClosed(WAIT);
                done.set(true);
                writer.join(Duration.ofSeconds(5).toMillis());
                assertThat(ending.closeCode()).as("round %d: the close frame reached the flooder", round).isEqualTo(4007);
                assertThat(ending.eof()).as("round %d: a FIN, not a reset, after it", round).isTrue();
            }
        }
    }

    @Test
    void givenCommandsWithinTheRate_thenNoneIsRefused() {
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws")) {
            for (int i = 0; i < 10; i++) {
                client.send(unsubscribe(i));
            }

            for (int i = 0; i < 10; i++) {
                assertThat(Json.text(client.reply(i), "code")).isEqualTo("not_subscribed");
            }
        }
    }

    @Test
    void givenAReconnectStormFromOneAddress_thenTheBurstIsAdmittedAndThenUpgradesGet429WithRetryAfter() {
        double before = Http.rejected(gateway.port(), "connection_rate");
        int admitted = 0;
        RawWebSocket refused = null;
        long start = System.nanoTime();
        for (int attempt = 0; attempt < 40 && refused == null; attempt++) {
            RawWebSocket client = RawWebSocket.connect(gateway.port(), "/ws", Options.defaults().from(FLOODER));
            if (client.upgraded()) {
                admitted++;
                client.close();
            } else {
                refused = client;
                refused.close(); // its answer is all the test wants of it
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        assertThat(refused).as("an upgrade was refused").isNotNull();
        assertThat(refused.handshake().status()).isEqualTo(429);
        assertThat(refused.handshake().header("Retry-After")).isEqualTo("1");
        assertThat(Json.text(Json.parse(refused.handshake().body()), "error")).isEqualTo("connection_rate");
        assertThat(admitted).as("the burst of 10, plus what refilled in %.2f s", seconds)
                .isBetween(10, 10 + (int) Math.ceil(seconds * 5) + 1);
        Eventually.await(WAIT, "counted as connection_rate", () -> Http.rejected(gateway.port(), "connection_rate") >= before + 1);

        // Retry-After means it: a second later the address may connect again.
        Eventually.await(Duration.ofSeconds(4), "an upgrade admitted again after the refill", () -> {
            try (RawWebSocket again = RawWebSocket.connect(gateway.port(), "/ws", Options.defaults().from(FLOODER))) {
                return again.upgraded();
            }
        });
    }

    @Test
    void givenAFrameOverMaxFrameBytes_thenTheConnectionIsClosedWith1009() {
        double before = Http.disconnects(gateway.port(), "frame_too_large");
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws")) {
            client.send("{\"op\":\"subscribe\",\"channel\":\"" + "x".repeat(1100) + "\"}");

            assertThat(client.awaitClose()).isEqualTo(1009);
        }
        Eventually.await(WAIT, "counted as frame_too_large", () -> Http.disconnects(gateway.port(), "frame_too_large") >= before + 1);
    }

    @Test
    void givenABinaryFrameOverMaxFrameBytes_thenTheConnectionIsClosedWith1009() {
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws")) {
            client.sendFrame(RawWebSocket.BINARY, new byte[4096]);

            assertThat(client.awaitClose()).isEqualTo(1009);
        }
    }

    @Test
    void givenJsonNestedDeeperThan16Levels_thenBadJsonAndTheConnectionStaysOpen() {
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws")) {
            client.send(nested(16, 1));
            client.send(nested(17, 2));
            client.send("[".repeat(500));

            assertThat(Json.text(client.reply(1), "op")).as("16 levels are fine").isEqualTo("subscribed");
            assertThat(Json.text(client.subscribe("after-deep", 3), "op")).as("still open after").isEqualTo("subscribed");
            // Frames are answered in order: by the reply to 3, both deep frames were answered.
            assertThat(client.frames()).filteredOn(f -> Json.isOp(f, "error"))
                    .extracting(f -> Json.text(f, "code"))
                    .containsExactly("bad_json", "bad_json");
        }
    }

    @Test
    void givenOneSubscriptionTooMany_thenTheConnectionIsClosedWith1008AndItsSubscriptionsAreReleased() {
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws")) {
            for (int i = 1; i <= 5; i++) {
                assertThat(Json.text(client.subscribe("many-" + i, i), "op")).isEqualTo("subscribed");
            }
            client.sendSubscribe("many-6", 6);

            assertThat(client.awaitClose()).isEqualTo(1008);
            assertThat(client.closeReason()).isEqualTo("too many subscriptions");
        }
        gateway.awaitIdle(WAIT);
    }

    @Test
    void givenAPublishBodyOverMaxPublishBytes_thenItIsRefusedWith400AndNothingIsPublished() {
        String atLimit = bodyOfSize(4096, "big");
        String overLimit = bodyOfSize(4097, "big");
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws?channel=big")) {
            client.awaitOp("subscribed");

            HttpWire.Response tooBig = Http.post(gateway.port(), "/api/publish", overLimit);
            HttpWire.Response tooBigBroadcast = Http.post(gateway.port(), "/api/broadcast",
                    "{\"channels\":[\"big\"],\"data\":\"" + "y".repeat(5000) + "\"}");
            HttpWire.Response fits = Http.post(gateway.port(), "/api/publish", atLimit);

            assertThat(tooBig.status()).isEqualTo(400);
            assertThat(Json.text(tooBig.json(), "error")).isEqualTo("body_too_large");
            assertThat(tooBigBroadcast.status()).isEqualTo(400);
            assertThat(Json.text(tooBigBroadcast.json(), "error")).isEqualTo("body_too_large");
            assertThat(fits.status()).as("exactly at the limit").isEqualTo(200);
            JsonNode first = client.awaitOp("message");
            assertThat(first.get("data").asString()).as("the first message is the one that fit").startsWith("z");
        }
    }

    private static String unsubscribe(int id) {
        return "{\"op\":\"unsubscribe\",\"channel\":\"flood\",\"id\":" + id + "}";
    }

    /** A subscribe frame whose JSON nests {@code depth} levels in all (the frame object is level 1). */
    private static String nested(int depth, int id) {
        int arrays = depth - 1;
        return "{\"op\":\"subscribe\",\"channel\":\"deep-" + id + "\",\"id\":" + id + ",\"x\":"
                + "[".repeat(arrays) + "]".repeat(arrays) + "}";
    }

    private static String bodyOfSize(int bytes, String channel) {
        String head = "{\"channel\":\"" + channel + "\",\"data\":\"";
        String tail = "\"}";
        String body = head + "z".repeat(bytes - head.length() - tail.length()) + tail;
        assertThat(body.getBytes(StandardCharsets.UTF_8)).hasSize(bytes);
        return body;
    }
}
