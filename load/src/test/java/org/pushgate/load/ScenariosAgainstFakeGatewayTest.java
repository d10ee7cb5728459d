package org.pushgate.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.pushgate.load.bench.NettyFloor;
import org.pushgate.load.report.JsonCodec;
import org.pushgate.load.worker.FailureCause;

import tools.jackson.databind.JsonNode;

/**
 * The scenarios end to end, over real sockets on loopback, against {@link FakeGateway}: small, bounded runs
 * (a few dozen connections, about a second of publishing) that check the generator's own bookkeeping.
 */
@Timeout(120)
class ScenariosAgainstFakeGatewayTest {

    static {
        // Before the fake gateway creates Reactor Netty's loggers: 503s and resets are expected here.
        LoadGen.quietLogging(false);
    }

    @TempDir
    Path dir;

    private FakeGateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private JsonNode run(int expectedStatus, String scenario, String... options) throws Exception {
        Path out = dir.resolve(scenario + ".json");
        // A generous in-flight bound: a slow first second of a cold JVM must not put the publisher behind schedule.
        List<String> args = new ArrayList<>(List.of(scenario, "--port", String.valueOf(gateway.port()), "--quiet",
                "--out", out.toString(), "--timeout", "60s", "--publish-concurrency", "128"));
        args.addAll(List.of(options));
        int status = LoadGen.run(args.toArray(new String[0]));
        JsonNode result = JsonCodec.read(Files.readString(out));
        if (expectedStatus >= 0) {
            assertThat(status).as("exit status; verdict %s", result.get("verdict")).isEqualTo(expectedStatus);
        }
        assertThat(Files.readString(dir.resolve(scenario + ".html"))).contains("<svg").doesNotContain("<script");
        return result;
    }

    /** The numeric properties of one object of the result. */
    private static Map<String, Long> longs(JsonNode object) {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        object.properties().forEach(e -> {
            if (e.getValue().isNumber()) {
                out.put(e.getKey(), e.getValue().asLong());
            }
        });
        return out;
    }

    @Test
    void fanoutDeliversEveryMessageToEverySubscriberAndMeasuresLatency() throws Exception {
        gateway = new FakeGateway(0, 10_000, 4096);
        long before = System.currentTimeMillis();
        JsonNode r = run(0, "fanout", "--connections", "20", "--publish-rate", "50", "--duration", "1s",
                "--warmup", "1s");
        long after = System.currentTimeMillis();
        JsonNode delivery = r.path("delivery");
        assertThat(delivery.path("expected").asLong()).isEqualTo(50L * 20);
        assertThat(delivery.path("received").asLong()).isEqualTo(50L * 20);
        JsonNode lat = r.path("latencies").path("Publish-to-receive").path("measured");
        assertThat(lat.path("count").asLong()).isEqualTo(1000L);
        assertThat(lat.path("p99Ms").asDouble()).isPositive();
        assertThat(r.path("server").path("before").has("connectionsActive")).isTrue();
        assertThat(r.path("series").isEmpty()).isFalse();
        // The series' time base, to line it up with a server's logs (load/tail-vs-gc.sh).
        assertThat(r.path("seriesStartEpochMs").asLong()).isBetween(before, after);
    }

    @Test
    void channelsCountsExpectedDeliveriesPerChannel() throws Exception {
        gateway = new FakeGateway(0, 10_000, 4096);
        JsonNode r = run(0, "channels", "--connections", "30", "--channels", "7", "--publish-rate", "70",
                "--duration", "1s", "--warmup", "1s");
        JsonNode delivery = r.path("delivery");
        // 70 messages round-robin over 7 channels; channels 0 and 1 have 5 subscribers, the others 4.
        assertThat(delivery.path("expected").asLong()).isEqualTo(10L * 30);
        assertThat(delivery.path("received").asLong()).isEqualTo(10L * 30);
    }

    @Test
    void workerProcessesShareTheConnectionsAndTheirResultsAreMerged() throws Exception {
        gateway = new FakeGateway(0, 10_000, 4096);
        JsonNode r = run(0, "fanout", "--connections", "21", "--processes", "2", "--publish-rate", "40",
                "--duration", "1s", "--warmup", "1s", "--source-addresses", "127.0.0.1,127.0.0.2");
        assertThat(r.path("generator").path("processes").asLong()).isEqualTo(2L);
        assertThat(r.path("connections").path("established").asLong()).isEqualTo(21L);
        JsonNode delivery = r.path("delivery");
        assertThat(delivery.path("expected").asLong()).isEqualTo(40L * 21);
        assertThat(delivery.path("received").asLong()).isEqualTo(40L * 21);
    }

    @Test
    void connectPortsSpreadTheConnectionsOverSeveralGatewaysAndPublishingStaysOnThePort() throws Exception {
        gateway = new FakeGateway(0, 10_000, 4096);
        // The fake gateways share no broker: only the subscribers on --port's gateway receive, so the ratio shows
        // the split (all on one gateway would receive everything).
        try (FakeGateway other = new FakeGateway(0, 10_000, 4096)) {
            JsonNode r = run(1, "fanout", "--connections", "10", "--publish-rate", "20", "--duration", "1s",
                    "--warmup", "0", "--processes", "2",
                    "--connect-ports", gateway.port() + "," + other.port());
            assertThat(r.path("connections").path("established").asLong()).isEqualTo(10L);
            JsonNode delivery = r.path("delivery");
            assertThat(delivery.path("expected").asLong()).isEqualTo(20L * 10);
            assertThat(delivery.path("received").asLong()).isEqualTo(20L * 5);
        }
    }

    @Test
    void slowWithStalledSubscribersOnChannelsOfTheirOwnChecksOrderAndReportsTheQueueBound() throws Exception {
        gateway = new FakeGateway(0, 10_000, 64);
        // Any verdict: p99 and memory on a shared machine are not this test's business, the bookkeeping is.
        JsonNode r = run(-1, "slow", "--stalled", "3", "--fast-per-channel", "2", "--message-bytes", "20000",
                "--publish-rate", "60", "--duration", "1s", "--warmup", "0", "--slow-receive-buffer", "4096");
        assertThat(r.path("connections").path("established").asLong()).isEqualTo(9L);
        JsonNode slow = r.path("slow");
        assertThat(slow.path("slowSubscribers").asLong()).isEqualTo(3L);
        assertThat(slow.path("channels").asLong()).isEqualTo(3L);
        assertThat(slow.path("messageBytes").asLong()).isEqualTo(20_000L);
        assertThat(slow.path("fastOffsetsSeen").asLong()).isPositive();
        assertThat(r.path("memory").path("stalledQueueBoundBytes").asLong()).isEqualTo(3L * 1024 * 1024);
        // Each message (round-robin over the 3 channels) is expected by the 2 fast subscribers of its channel.
        assertThat(slow.path("expectedFastDeliveriesBaseline").asLong())
                .isEqualTo(r.path("publishBaseline").path("ok").asLong() * 2).isPositive();
        assertThat(check(r, "fast subscribers get every message in order").path("pass").asBoolean())
                .as("%s", check(r, "fast subscribers get every message in order")).isTrue();
        assertThat(check(r, "fast subscribers lose nothing").path("pass").asBoolean())
                .as("%s", check(r, "fast subscribers lose nothing")).isTrue();
    }

    private static JsonNode check(JsonNode result, String name) {
        for (JsonNode c : result.path("verdict").path("checks")) {
            if (c.path("name").asString().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no check '" + name + "' in " + result.path("verdict"));
    }

    @Test
    void churnReturnsTheGaugesToBaseline() throws Exception {
        gateway = new FakeGateway(0, 10_000, 4096);
        JsonNode r = run(0, "churn", "--cycles", "150", "--concurrency", "8", "--warmup-cycles", "10",
                "--settle-timeout", "5s");
        JsonNode churn = r.path("churn");
        assertThat(churn.path("completed").asLong()).isEqualTo(150L);
        assertThat(longs(churn.path("afterSettle"))).containsEntry("connectionsActive", 0L)
                .containsEntry("subscriptionsActive", 0L).containsEntry("channelsActive", 0L);
    }

    @Test
    void connectCountsTheAdmissionValvesRejectionsApartFromErrors() throws Exception {
        gateway = new FakeGateway(0, 10, 64);
        JsonNode r = run(1, "connect", "--connections", "15", "--rate", "0", "--duration", "500ms");
        JsonNode c = r.path("connections");
        assertThat(c.path("established").asLong()).isEqualTo(10L);
        assertThat(c.path("rejected503").asLong()).isEqualTo(5L);
        assertThat(longs(c.path("failuresByCause"))).containsOnlyKeys(FailureCause.REJECTED_503);

        JsonNode allowed = run(0, "connect", "--connections", "15", "--rate", "0", "--duration", "500ms",
                "--allow-rejections");
        assertThat(allowed.path("connections").path("rejected503").asLong()).isEqualTo(5L);
    }

    @Test
    void lorisSeesEveryHalfFinishedSocketClosedAtTheDeadlineWhileHealthAndUpgradesAnswer() throws Exception {
        gateway = new FakeGateway(0, 10_000, 64, Duration.ofSeconds(1));
        Path log = Files.writeString(dir.resolve("gateway.log"), "started\n");
        long self = ProcessHandle.current().pid(); // the fake gateway's sockets are this JVM's descriptors
        JsonNode r = run(0, "loris", "--connections", "40", "--processes", "2", "--source-addresses",
                "127.0.0.1,127.0.0.2", "--handshake-timeout", "1s", "--close-slack", "1500ms", "--duration", "5s",
                "--probe-interval", "100ms", "--server-pid", String.valueOf(self), "--server-log", log.toString());
        JsonNode sockets = r.path("sockets");
        assertThat(sockets.path("connected").asLong()).isEqualTo(40L);
        assertThat(sockets.path("closedByGateway").asLong()).isEqualTo(40L);
        assertThat(longs(sockets.path("closesByAnswer"))).containsExactly(Map.entry("nothing", 40L));
        assertThat(sockets.path("stillOpenAtEnd").asLong()).isZero();
        assertThat(r.path("generator").path("processes").asLong()).isEqualTo(2L);
        JsonNode lifetimes = r.path("latencies").path("Half-finished sockets: connect to the gateway's close, by its answer")
                .path("nothing");
        assertThat(lifetimes.path("count").asLong()).isEqualTo(40L);
        assertThat(lifetimes.path("minMs").asDouble()).isGreaterThanOrEqualTo(900.0);
        assertThat(r.path("health").path("probes").asLong()).isPositive();
        assertThat(longs(r.path("health").path("answers"))).containsOnlyKeys("200");
        assertThat(longs(r.path("upgrade").path("answers"))).containsOnlyKeys("101");
        assertThat(r.path("descriptors").path("peak").asLong()).isGreaterThan(r.path("descriptors").path("before").asLong());
        assertThat(r.path("serverLog").path("linesAdded").asLong()).isZero();
        assertThat(r.path("series").get(0).has("healthMs")).isTrue();
    }

    @Test
    void lorisFailsWhenTheGatewayNeverClosesTheHalfFinishedSockets() throws Exception {
        gateway = new FakeGateway(0, 10_000, 64); // no deadline on a request head, as before issue 13
        JsonNode r = run(1, "loris", "--connections", "10", "--handshake-timeout", "500ms", "--close-slack", "500ms",
                "--duration", "2s", "--probe-interval", "200ms");
        assertThat(r.path("sockets").path("stillOpenAtEnd").asLong()).isEqualTo(10L);
        assertThat(check(r, "every half-finished socket closed by the gateway within the deadline").path("pass")
                .asBoolean()).isFalse();
    }

    @Test
    void aSelfWarmupRunsAgainstAStandInAndTheServerUnderTestSeesOnlyTheMeasuredRun() throws Exception {
        gateway = new FakeGateway(0, 10_000, 4096);
        JsonNode r = run(0, "fanout", "--connections", "20", "--publish-rate", "50", "--duration", "1s",
                "--warmup", "0", "--self-warmup", "1s");
        JsonNode w = r.path("selfWarmup");
        assertThat(w.path("verdict").asString()).as("self-warm-up %s", w).isEqualTo("pass");
        assertThat(w.path("rounds").asLong()).isEqualTo(1);
        assertThat(w.path("upgrades").asLong()).isEqualTo(20);
        // The stand-in spoke the gateway's protocol: its frames were read as messages (the warm-up's own delivery
        // check passed above) and it wrote a frame per subscriber and publish.
        assertThat(w.path("frames").asLong()).isGreaterThanOrEqualTo(20L * 40);
        assertThat(gateway.upgrades()).isEqualTo(20);
        assertThat(gateway.published()).isEqualTo(r.path("publish").path("ok").asLong()).isEqualTo(50);
        assertThat(r.path("delivery").path("received").asLong()).isEqualTo(50L * 20);
    }

    @Test
    void aSelfWarmupSpeaksNchansApiForTheOtherTargets() throws Exception {
        try (NettyFloor.Running floor = NettyFloor.start(0, 2)) {
            Path out = dir.resolve("floor.json");
            int status = LoadGen.run(new String[] {"fanout", "--target", "floor", "--port", String.valueOf(floor.port()),
                    "--quiet", "--no-html", "--connections", "10", "--publish-rate", "20", "--duration", "1s",
                    "--warmup", "0", "--self-warmup", "1s", "--out", out.toString(), "--timeout", "60s"});
            JsonNode r = JsonCodec.read(Files.readString(out));
            assertThat(status).as("verdict %s", r.get("verdict")).isZero();
            assertThat(r.path("selfWarmup").path("verdict").asString()).isEqualTo("pass");
            assertThat(floor.upgrades()).as("the floor under test saw the measured run's upgrades only").isEqualTo(10);
            assertThat(floor.frames()).isEqualTo(r.path("delivery").path("received").asLong()).isEqualTo(20L * 10);
        }
    }

    @Test
    void aSelfWarmupWithSeveralWorkerProcessesIsSkippedAndSaysWhy() throws Exception {
        gateway = new FakeGateway(0, 10_000, 4096);
        JsonNode r = run(0, "fanout", "--connections", "4", "--processes", "2", "--publish-rate", "10",
                "--duration", "1s", "--warmup", "0", "--self-warmup", "1s");
        assertThat(r.path("selfWarmup").path("skipped").asString()).contains("2 worker processes");
        assertThat(gateway.upgrades()).isEqualTo(4);
    }

    @Test
    void anAbsentGatewayFailsTheRunWithoutHanging() throws Exception {
        gateway = new FakeGateway(0, 10, 64);
        int port = gateway.port();
        gateway.close();
        gateway = null;
        Path out = dir.resolve("absent.json");
        int status = LoadGen.run(new String[] {"fanout", "--port", String.valueOf(port), "--quiet", "--connections", "5",
                "--publish-rate", "10", "--duration", "1s", "--warmup", "0", "--out", out.toString(), "--timeout", "30s"});
        assertThat(status).isEqualTo(1);
        JsonNode r = JsonCodec.read(Files.readString(out));
        assertThat(longs(r.path("connections").path("failuresByCause"))).containsEntry("connect_refused", 5L);
    }
}
