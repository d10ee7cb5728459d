package org.pushgate.gateway.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.GatewayApplication;
import org.pushgate.gateway.connection.ConnectionRegistry;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The warm-up against a real node: while it runs, {@code /actuator/health} answers 503; when the start returns
 * (Boot's runners done) it has done all its traffic, every connection of it is released (registry, gauges), its
 * channels' streams are dropped from the broker, and its client's threads are gone. Each of these fails when its
 * release is removed (the forget, the client's close, the wait for the registry).
 */
class WarmupTest {

    private static final int ROUNDS = 2;
    private static final int CONNECTIONS = 200;
    private static final int MESSAGES = 5;

    @Test
    void notReadyWhileItRunsThenEverythingItOpenedIsGone() throws Exception {
        int port = freePort();
        List<String> statuses = new CopyOnWriteArrayList<>(); // the warmup component's status, as polled
        AtomicBoolean polling = new AtomicBoolean(true);
        Thread poller = new Thread(() -> poll(port, statuses, polling), "warmup-test-health");
        poller.start();
        ConfigurableApplicationContext context = null;
        try {
            context = new SpringApplicationBuilder(GatewayApplication.class).registerShutdownHook(false)
                    .run("--server.port=" + port, "--gateway.warmup.enabled=true", "--gateway.warmup.rounds=" + ROUNDS,
                            "--gateway.warmup.connections=" + CONNECTIONS, "--gateway.warmup.messages=" + MESSAGES,
                            "--gateway.warmup.settle=1s",
                            "--management.endpoint.health.show-components=always");
            Warmup.Report report = context.getBean(Warmup.class).report();
            assertThat(report.phase()).isEqualTo(Warmup.Phase.DONE);
            assertThat(report.reason()).isNull();
            assertThat(report.rounds()).isEqualTo(ROUNDS);
            assertThat(report.settled()).as("the waits for the compilers, each at most gateway.warmup.settle")
                    .isLessThanOrEqualTo(Duration.ofSeconds(ROUNDS));
            assertThat(context.getBean(Warmup.class).details()).containsEntry("settleMillis", report.settled().toMillis());
            WarmupTraffic.Tally tally = report.tally();
            assertThat(tally.opened()).isEqualTo(ROUNDS * CONNECTIONS);
            assertThat(tally.failed()).isZero();
            assertThat(tally.published()).isEqualTo(ROUNDS * (CONNECTIONS + MESSAGES));
            assertThat(tally.publishFailed()).isZero();
            assertThat(tally.expected()).isEqualTo((long) ROUNDS * CONNECTIONS * (1 + MESSAGES));
            assertThat(tally.delivered()).isEqualTo(tally.expected());

            // Released: the registry at once (the warm-up waited for it), the hub's gauges as the releases settle.
            assertThat(context.getBean(ConnectionRegistry.class).size()).isZero();
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            await(() -> meters.get("gateway.connections.active").gauge().value() == 0
                    && meters.get("gateway.subscriptions.active").gauge().value() == 0
                    && meters.get("gateway.channels.active").gauge().value() == 0);
            assertThat(meters.get("gateway.history.streams.dropped").tag("reason", "forgotten").counter().count())
                    .as("its channels' streams, dropped when it ended").isEqualTo(CONNECTIONS + 1);
            await(() -> liveWarmupThreads().isEmpty());

            // Boot's own readinessState refuses traffic while runners run, too: this is what the warmup component adds.
            await(() -> statuses.size() > 0 && statuses.get(statuses.size() - 1).equals("200 UP"));
            assertThat(statuses).as("/actuator/health and its warmup component during and after the warm-up")
                    .contains("503 OUT_OF_SERVICE").endsWith("200 UP");
            assertThat(statuses.indexOf("200 UP")).isGreaterThan(statuses.lastIndexOf("503 OUT_OF_SERVICE"));
            assertThat(((HealthIndicator) context.getBean("warmupHealthIndicator")).health().getStatus()).isEqualTo(Status.UP);
        } finally {
            polling.set(false);
            poller.join(5_000);
            if (context != null) {
                context.close();
            }
        }
    }

    @Test
    void skippedWhenItCannotSignItsOwnClientTokenAndReadyAtOnce() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        String publicKey = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(generator.generateKeyPair().getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----";
        ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayApplication.class)
                .registerShutdownHook(false)
                .run("--server.port=0", "--gateway.warmup.enabled=true", "--gateway.auth.mode=jwt",
                        "--gateway.auth.jwt.public-key=" + publicKey);
        try {
            Warmup.Report report = context.getBean(Warmup.class).report();
            assertThat(report.phase()).isEqualTo(Warmup.Phase.SKIPPED);
            assertThat(report.reason()).contains("public key or JWKS");
            assertThat(((HealthIndicator) context.getBean("warmupHealthIndicator")).health().getStatus()).isEqualTo(Status.UP);
        } finally {
            context.close();
        }
    }

    private static final String SECRET = "warmup-test-secret-of-at-least-32-bytes!";

    @Test
    void inJwtModeItSignsItsOwnTokenWhichTheClaimRuleAccepts() {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayApplication.class)
                .registerShutdownHook(false)
                .run("--server.port=0", "--gateway.warmup.enabled=true", "--gateway.warmup.rounds=1",
                        "--gateway.warmup.connections=100", "--gateway.warmup.messages=3", "--gateway.auth.mode=jwt",
                        "--gateway.auth.jwt.secret=" + SECRET, "--gateway.auth.default-access=claim",
                        "--gateway.api.key=warmup-test-key");
        try {
            Warmup.Report report = context.getBean(Warmup.class).report();
            assertThat(report.phase()).isEqualTo(Warmup.Phase.DONE);
            // On a cold node in jwt mode, one or two of 100 sockets now and then are not subscribed by the round's end
            // and are reset by its disposal (unexplained, closing note of issue 14); every other one gets everything.
            assertThat(report.tally().opened() + report.tally().failed()).isEqualTo(100);
            assertThat(report.tally().opened()).isGreaterThanOrEqualTo(95);
            assertThat(report.tally().publishFailed()).isZero();
            assertThat(report.tally().delivered()).isEqualTo(report.tally().expected())
                    .isEqualTo(report.tally().opened() * 4L);
        } finally {
            context.close();
        }
    }

    @Test
    void aPolicyThatRefusesItsChannelsEndsTheRoundAtOnceNotAtTheTimeout() {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayApplication.class)
                .registerShutdownHook(false)
                .run("--server.port=0", "--gateway.warmup.enabled=true", "--gateway.warmup.rounds=2",
                        "--gateway.warmup.connections=100", "--gateway.warmup.timeout=60s", "--gateway.auth.mode=jwt",
                        "--gateway.auth.jwt.secret=" + SECRET, "--gateway.auth.default-access=none");
        try {
            Warmup.Report report = context.getBean(Warmup.class).report();
            assertThat(report.phase()).isEqualTo(Warmup.Phase.DONE);
            // Had the first round waited for its messages, it would have taken the whole timeout and left no second.
            assertThat(report.reason()).isNull();
            assertThat(report.rounds()).isEqualTo(2);
            assertThat(report.tally().opened()).isZero();
            assertThat(report.tally().failed()).isEqualTo(200);
            assertThat(context.getBean(ConnectionRegistry.class).size()).isZero();
        } finally {
            context.close();
        }
    }

    @Test
    void itTakesAtMostHalfTheRoomTheLimitsLeave() {
        assertThat(WarmupConfiguration.room(19_500, 0)).isEqualTo(9_700);
        assertThat(WarmupConfiguration.room(19_500, 100)).isEqualTo(50);
        assertThat(WarmupConfiguration.room(60, 0)).isEqualTo(1);
    }

    @Test
    void outOfServiceUntilItHasRun() {
        Warmup pending = new Warmup(null, null, null, () -> 0, () -> -1, () -> 0);
        HealthIndicator health = new WarmupConfiguration().warmupHealthIndicator(pending);
        assertThat(health.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
        assertThat(health.health().getDetails()).containsEntry("phase", "pending");
    }

    @Test
    void countsMarkersInBatchedFrames() {
        assertThat(WarmupTraffic.occurrences("{\"push\":{\"pub\":{}}}\n{\"push\":{\"pub\":{}}}", "\"pub\":")).isEqualTo(2);
        assertThat(WarmupTraffic.occurrences("{\"op\":\"subscribed\",\"id\":2}", "\"op\":\"message\"")).isZero();
        assertThat(WarmupTraffic.commands(WarmupTraffic.Kind.CENTRIFUGO, null, "a", "b")).first().isEqualTo("{\"id\":1,\"connect\":{}}");
        assertThat(WarmupTraffic.commands(WarmupTraffic.Kind.PUSHGATE, "t", "a", "b")).first()
                .isEqualTo("{\"op\":\"connect\",\"token\":\"t\",\"id\":1}");
        assertThat(WarmupTraffic.commands(WarmupTraffic.Kind.PUSHGATE_QUERY, null, "a", "b"))
                .containsExactly("{\"op\":\"subscribe\",\"channel\":\"b\",\"id\":3}");
        assertThat(WarmupTraffic.Kind.of(1, true)).isEqualTo(WarmupTraffic.Kind.PUSHGATE);
    }

    private static final Pattern WARMUP_STATUS = Pattern.compile("\"warmup\":\\{\"status\":\"([A-Z_]+)\"");

    private static void poll(int port, List<String> statuses, AtomicBoolean polling) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                .timeout(Duration.ofSeconds(2)).build();
        long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (polling.get() && System.nanoTime() < until) {
            try {
                HttpResponse<String> answer = http.send(health, HttpResponse.BodyHandlers.ofString());
                Matcher warmup = WARMUP_STATUS.matcher(answer.body());
                statuses.add(answer.statusCode() + " " + (warmup.find() ? warmup.group(1) : "-"));
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static List<String> liveWarmupThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith(WarmupTraffic.LOOP_PREFIX)).toList();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(condition.getAsBoolean()).as("within 10 s").isTrue();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
