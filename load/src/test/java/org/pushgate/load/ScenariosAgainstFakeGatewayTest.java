package org.pushgate.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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

    private Map<String, Object> run(int expectedStatus, String scenario, String... options) throws Exception {
        Path out = dir.resolve(scenario + ".json");
        // A generous in-flight bound: a slow first second of a cold JVM must not put the publisher behind schedule.
        List<String> args = new ArrayList<>(List.of(scenario, "--port", String.valueOf(gateway.port()), "--quiet",
                "--out", out.toString(), "--timeout", "60s", "--publish-concurrency", "128"));
        args.addAll(List.of(options));
        int status = LoadGen.run(args.toArray(new String[0]));
        Map<String, Object> result = Json.parseObject(Files.readString(out));
        assertThat(status).as("exit status; verdict %s", result.get("verdict")).isEqualTo(expectedStatus);
        assertThat(Files.readString(dir.resolve(scenario + ".html"))).contains("<svg").doesNotContain("<script");
        return result;
    }

    @Test
    void fanoutDeliversEveryMessageToEverySubscriberAndMeasuresLatency() throws Exception {
        gateway = new FakeGateway(0, 10_000, 4096);
        Map<String, Object> r = run(0, "fanout", "--connections", "20", "--publish-rate", "50", "--duration", "1s",
                "--warmup", "1s");
        Map<String, Object> delivery = Json.obj(r, "delivery");
        assertThat(delivery.get("expected")).isEqualTo(50L * 20);
        assertThat(delivery.get("received")).isEqualTo(50L * 20);
        Map<String, Object> lat = Json.obj(Json.obj(Json.obj(r, "latencies"), "Publish-to-receive"), "measured");
        assertThat(lat.get("count")).isEqualTo(1000L);
        assertThat(Json.dbl(lat, "p99Ms")).isPositive();
        assertThat(Json.obj(Json.obj(r, "server"), "before")).containsKey("connectionsActive");
        assertThat(Json.list(r, "series")).isNotEmpty();
    }

    @Test
    void channelsCountsExpectedDeliveriesPerChannel() throws Exception {
        gateway = new FakeGateway(0, 10_000, 4096);
        Map<String, Object> r = run(0, "channels", "--connections", "30", "--channels", "7", "--publish-rate", "70",
                "--duration", "1s", "--warmup", "1s");
        Map<String, Object> delivery = Json.obj(r, "delivery");
        // 70 messages round-robin over 7 channels; channels 0 and 1 have 5 subscribers, the others 4.
        assertThat(delivery.get("expected")).isEqualTo(10L * 30);
        assertThat(delivery.get("received")).isEqualTo(10L * 30);
    }

    @Test
    void workerProcessesShareTheConnectionsAndTheirResultsAreMerged() throws Exception {
        gateway = new FakeGateway(0, 10_000, 4096);
        Map<String, Object> r = run(0, "fanout", "--connections", "21", "--processes", "2", "--publish-rate", "40",
                "--duration", "1s", "--warmup", "1s", "--source-addresses", "127.0.0.1,127.0.0.2");
        assertThat(Json.obj(r, "generator").get("processes")).isEqualTo(2L);
        assertThat(Json.obj(r, "connections").get("established")).isEqualTo(21L);
        Map<String, Object> delivery = Json.obj(r, "delivery");
        assertThat(delivery.get("expected")).isEqualTo(40L * 21);
        assertThat(delivery.get("received")).isEqualTo(40L * 21);
    }

    @Test
    void churnReturnsTheGaugesToBaseline() throws Exception {
        gateway = new FakeGateway(0, 10_000, 4096);
        Map<String, Object> r = run(0, "churn", "--cycles", "150", "--concurrency", "8", "--warmup-cycles", "10",
                "--settle-timeout", "5s");
        Map<String, Object> churn = Json.obj(r, "churn");
        assertThat(churn.get("completed")).isEqualTo(150L);
        assertThat(Json.obj(churn, "afterSettle")).containsEntry("connectionsActive", 0L)
                .containsEntry("subscriptionsActive", 0L).containsEntry("channelsActive", 0L);
    }

    @Test
    void connectCountsTheAdmissionValvesRejectionsApartFromErrors() throws Exception {
        gateway = new FakeGateway(0, 10, 64);
        Map<String, Object> r = run(1, "connect", "--connections", "15", "--rate", "0", "--duration", "500ms");
        Map<String, Object> c = Json.obj(r, "connections");
        assertThat(c.get("established")).isEqualTo(10L);
        assertThat(c.get("rejected503")).isEqualTo(5L);
        assertThat(Json.obj(c, "failuresByCause")).containsOnlyKeys(FailureCause.REJECTED_503);

        Map<String, Object> allowed = run(0, "connect", "--connections", "15", "--rate", "0", "--duration", "500ms",
                "--allow-rejections");
        assertThat(Json.obj(allowed, "connections").get("rejected503")).isEqualTo(5L);
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
        Map<String, Object> r = Json.parseObject(Files.readString(out));
        assertThat(Json.obj(Json.obj(r, "connections"), "failuresByCause")).containsEntry("connect_refused", 5L);
    }
}
