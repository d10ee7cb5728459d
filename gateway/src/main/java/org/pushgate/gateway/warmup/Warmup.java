package org.pushgate.gateway.warmup;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntSupplier;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

import org.pushgate.gateway.auth.AuthMode;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.config.GatewayProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.env.Environment;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Warms this node's hot paths before it says it is ready. Spring Boot runs every {@link ApplicationRunner} after the
 * server listens and before readiness turns to ACCEPTING_TRAFFIC; this one sends the node real traffic over loopback
 * ({@link WarmupTraffic}: WebSocket handshakes on both protocols, subscribes, publishes through the HTTP API, the
 * fan-out, closes), {@code gateway.warmup.rounds} times, so that the JIT compiles what the first real clients will
 * run. After each round it can wait, at most {@code gateway.warmup.settle} (off by default), until the JIT
 * compilers have caught up: HotSpot raises the call counts that promote a method to its last tier (C2) in proportion
 * to C2's queue, so rounds that follow each other at once leave methods in the slower, profiling tier, to be compiled
 * in the first real clients' time (docs/benchmarks.md, 10k). Meanwhile the {@code warmup} health indicator is
 * OUT_OF_SERVICE (and Boot's own readinessState refuses traffic until the runners are done, so {@code /actuator/health} and its readiness group answer 503; this indicator says why
 * and how far); after it, UP with what the warm-up did. It ends with one full GC, so that its garbage is not the first
 * clients' pause and G1 gives back the heap it grew for it. It never fails the start: past
 * {@code gateway.warmup.timeout}, or when it cannot authenticate to its own node, the node is ready without it and
 * says why.
 *
 * <p>It owns what it opens: its client (loop, pool, sockets) is closed when it ends or the context closes, its
 * connections are closed by itself and released by the node like any other (it waits for the registry to drop
 * back), and its channels' streams are dropped from the broker when it ends ({@link Broker#forget}).
 */
public final class Warmup implements ApplicationRunner, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(Warmup.class);
    /** The warm-up's channels: {@code _warmup.<node>.<i>} and {@code _warmup.<node>.all}. */
    static final String CHANNEL_PREFIX = "_warmup.";
    // The cleanup after the rounds, bounded: the start is ready at most about 15 s past gateway.warmup.timeout.
    private static final Duration RELEASE_WAIT = Duration.ofSeconds(5);
    private static final Duration FORGET_WAIT = Duration.ofSeconds(5);

    enum Phase { PENDING, RUNNING, DONE, SKIPPED }

    /** What the health indicator shows; {@code settled}: the time spent waiting for the compilers between rounds. */
    record Report(Phase phase, String reason, int rounds, WarmupTraffic.Tally tally, Duration took, Duration settled) {
        boolean ready() {
            return phase == Phase.DONE || phase == Phase.SKIPPED;
        }
    }

    private final GatewayProperties properties;
    private final Environment environment;
    private final Broker broker;
    private final IntSupplier openConnections;
    private final IntSupplier port;
    private final IntSupplier room;
    private volatile Report report = new Report(Phase.PENDING, null, 0, WarmupTraffic.Tally.NONE, Duration.ZERO,
            Duration.ZERO);
    private volatile WarmupTraffic traffic;
    private volatile boolean closing;

    /**
     * @param openConnections the node's registered connections (the warm-up waits for its own to be released)
     * @param port the port the server listens on, or -1 when there is none
     * @param room how many warm-up connections the node's connection and descriptor limits leave room for
     */
    Warmup(GatewayProperties properties, Environment environment, Broker broker, IntSupplier openConnections,
           IntSupplier port, IntSupplier room) {
        this.properties = properties;
        this.environment = environment;
        this.broker = broker;
        this.openConnections = openConnections;
        this.port = port;
        this.room = room;
    }

    Report report() {
        return report;
    }

    @Override
    public void run(ApplicationArguments args) {
        try {
            warmUp();
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError fatal) {
                throw fatal;
            }
            // Never the start's failure: the node is ready without it.
            Report was = report;
            report = new Report(Phase.DONE, "stopped: " + e, was.rounds(), was.tally(), was.took(), was.settled());
            log.warn("warm-up stopped; the node is ready without the rest of it", e);
        }
    }

    private void warmUp() {
        GatewayProperties.Warmup settings = properties.warmup();
        if (!settings.enabled()) {
            skip("gateway.warmup.enabled is false");
            return;
        }
        if (Schedulers.isInNonBlockingThread()) {
            // It blocks its caller by design (Boot's start-up thread, which waits for it anyway); never an event loop.
            skip("called on a non-blocking thread (" + Thread.currentThread().getName() + ")");
            return;
        }
        int listening = port.getAsInt();
        if (listening <= 0) {
            skip("the server does not listen on a port");
            return;
        }
        String unreachable = whyNotPossible();
        if (unreachable != null) {
            skip(unreachable);
            return;
        }
        long start = System.nanoTime();
        long endAt = start + settings.timeout().toNanos();
        String node = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        int connections = Math.min(settings.connections(), room.getAsInt());
        if (connections < settings.connections()) {
            log.info("warm-up: {} connections a round, not {}: each takes two of this process' descriptors (its client's "
                    + "and the node's), and the node's limits leave room for that many", connections, settings.connections());
        }
        List<String> own = new ArrayList<>(connections);
        for (int i = 0; i < connections; i++) {
            own.add(CHANNEL_PREFIX + node + "." + i);
        }
        String shared = CHANNEL_PREFIX + node + ".all";
        int baseline = openConnections.getAsInt();
        WarmupTraffic.Tally total = WarmupTraffic.Tally.NONE;
        int rounds = 0;
        long settledMs = 0;
        report = new Report(Phase.RUNNING, null, 0, total, Duration.ZERO, Duration.ZERO);
        log.info("warm-up: {} rounds of {} connections and {} publishes against port {}, at most {} s; not ready until it ends "
                + "(gateway.warmup.*)", settings.rounds(), connections, connections + settings.messages(),
                listening, settings.timeout().toSeconds());
        String reason = null;
        try (WarmupTraffic client = new WarmupTraffic(target(listening), credentials(CHANNEL_PREFIX + node + ".*"))) {
            traffic = client;
            while (rounds < settings.rounds() && !closing) {
                long left = endAt - System.nanoTime();
                if (left <= 0) {
                    reason = "gateway.warmup.timeout passed after " + rounds + " rounds";
                    break;
                }
                long roundStart = System.nanoTime();
                WarmupTraffic.Tally tally = client.round(own, shared, settings.messages(), Duration.ofNanos(left));
                total = total.plus(tally);
                rounds++;
                long roundMs = (System.nanoTime() - roundStart) / 1_000_000;
                long waitMs = Math.min(settings.settle().toMillis(), Math.max(0, (endAt - System.nanoTime()) / 1_000_000));
                long waited = settle(COMPILE_MILLIS, waitMs, this::pause);
                settledMs += waited;
                log.debug("warm-up round {}: {} in {} ms, then {} ms for the compilers", rounds, tally, roundMs, waited);
                report = new Report(Phase.RUNNING, null, rounds, total, Duration.ofNanos(System.nanoTime() - start),
                        Duration.ofMillis(settledMs));
            }
        } catch (RuntimeException e) {
            reason = "stopped: " + e;
            log.warn("warm-up stopped early; the node is ready without the rest of it", e);
        } finally {
            traffic = null;
        }
        awaitReleased(baseline);
        List<String> channels = new ArrayList<>(own);
        channels.add(shared);
        try {
            broker.forget(channels).timeout(FORGET_WAIT).block();
        } catch (RuntimeException e) {
            log.warn("warm-up: its {} channels' streams stay until their ttl ({})", channels.size(), e.toString());
        }
        // Its garbage goes now, not in the first clients' time, and G1 gives back the heap it grew for it (a full
        // collection shrinks the heap to -XX:MaxHeapFreeRatio): an idle node's RSS is close to what it was before.
        System.gc();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        report = new Report(Phase.DONE, reason, rounds, total, took, Duration.ofMillis(settledMs));
        log.info("warm-up done in {} ms ({} of them waiting for the compilers): {} rounds, {} connections ({} failed), "
                + "{} publishes ({} failed), {} of {} deliveries{}{}", took.toMillis(), settledMs, rounds,
                total.opened(), total.failed(), total.published(), total.publishFailed(),
                total.delivered(), total.expected(), reason == null ? "" : "; " + reason,
                total.lastFailure() == null ? "" : "; last failure: " + total.lastFailure());
    }

    private void skip(String why) {
        report = new Report(Phase.SKIPPED, why, 0, WarmupTraffic.Tally.NONE, Duration.ZERO, Duration.ZERO);
        log.info("warm-up skipped: {}", why);
    }

    /** Why the warm-up cannot speak to its own node, or null. */
    private String whyNotPossible() {
        GatewayProperties.Auth auth = properties.auth();
        if (auth.mode() == AuthMode.JWT && auth.jwt().secret().isBlank()) {
            return "client tokens are verified with a public key or JWKS, so the node cannot sign one for itself";
        }
        GatewayProperties.Api api = properties.api();
        if (!api.keyConfigured() && api.jwt().configured() && api.jwt().secret().isBlank()) {
            return "the publish API takes server tokens verified with a public key or JWKS, so the node cannot sign one";
        }
        return null;
    }

    private WarmupTraffic.Target target(int listening) {
        String address = environment.getProperty("server.address", "");
        String host = address.isBlank() || address.equals("0.0.0.0") || address.equals("::") || address.equals("[::]")
                ? "127.0.0.1" : address;
        boolean sslConfigured = environment.containsProperty("server.ssl.bundle")
                || environment.containsProperty("server.ssl.key-store")
                || environment.containsProperty("server.ssl.certificate");
        boolean secure = environment.getProperty("server.ssl.enabled", Boolean.class, sslConfigured);
        return new WarmupTraffic.Target(host, listening, secure);
    }

    /** @param channels the pattern of its channels, in its client token's {@code channels} claim (for namespaces ruled {@code claim}) */
    private WarmupTraffic.Credentials credentials(String channels) {
        GatewayProperties.Auth auth = properties.auth();
        Duration life = properties.warmup().timeout().plusMinutes(1);
        String clientToken = auth.mode() == AuthMode.JWT ? token(auth.jwt(), life, Map.of("channels", List.of(channels))) : null;
        GatewayProperties.Api api = properties.api();
        String authorization = api.keyConfigured() ? "Bearer " + api.key()
                : api.jwt().configured() ? "Bearer " + token(api.jwt(), life, Map.of("scope", "publish"))
                : null;
        return new WarmupTraffic.Credentials(clientToken, authorization);
    }

    /** An HS256 token for the warm-up itself, with the issuer and audience the node checks. */
    private static String token(GatewayProperties.Jwt jwt, Duration life, Map<String, Object> claims) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder set = new JWTClaimsSet.Builder().subject("pushgate-warmup")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(life)));
        if (!jwt.issuer().isBlank()) {
            set.issuer(jwt.issuer());
        }
        if (!jwt.audience().isBlank()) {
            set.audience(jwt.audience());
        }
        claims.forEach(set::claim);
        SignedJWT token = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), set.build());
        try {
            token.sign(new MACSigner(jwt.secret().getBytes(StandardCharsets.UTF_8)));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign the warm-up's token", e);
        }
        return token.serialize();
    }

    /** The JIT's accumulated compile time in ms (all compiler threads), or -1 when this JVM does not tell. */
    private static final LongSupplier COMPILE_MILLIS = compileMillis(ManagementFactory.getCompilationMXBean());
    /** The settle wait's slice, and the compile time per slice under which the compilers count as caught up (5%). */
    static final long SETTLE_SLICE_MS = 250;
    static final long SETTLE_QUIET_MS = SETTLE_SLICE_MS / 20;

    private static LongSupplier compileMillis(CompilationMXBean jit) {
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return () -> -1;
        }
        return jit::getTotalCompilationTime;
    }

    /**
     * Waits in slices of {@link #SETTLE_SLICE_MS} until one slice saw less than {@link #SETTLE_QUIET_MS} of compile
     * time, or {@code maxMs} passed, or the context closes.
     *
     * @return the milliseconds waited (0 when {@code maxMs} is 0 or the JVM does not report its compile time)
     */
    long settle(LongSupplier compileMillis, long maxMs, LongConsumer sleep) {
        if (maxMs <= 0) {
            return 0;
        }
        long before = compileMillis.getAsLong();
        if (before < 0) {
            return 0;
        }
        long waited = 0;
        while (waited < maxMs && !closing) {
            long slice = Math.min(SETTLE_SLICE_MS, maxMs - waited);
            sleep.accept(slice);
            waited += slice;
            long now = compileMillis.getAsLong();
            if (now - before < SETTLE_QUIET_MS * slice / SETTLE_SLICE_MS) {
                break;
            }
            before = now;
        }
        return waited;
    }

    /** The start-up thread's waits (never an event loop's: {@link #warmUp} skips itself there). */
    private void pause(long millis) {
        Mono.delay(Duration.ofMillis(millis)).block();
    }

    /** Waits (bounded) until the node has released the warm-up's connections; on the start-up thread, like all of run(). */
    private void awaitReleased(int baseline) {
        long until = System.nanoTime() + RELEASE_WAIT.toNanos();
        while (openConnections.getAsInt() > baseline && System.nanoTime() < until && !closing) {
            pause(20);
        }
    }

    /** The context closes (possibly during the warm-up): its client goes now. */
    @Override
    public void destroy() {
        closing = true;
        WarmupTraffic running = traffic;
        if (running != null) {
            running.close();
        }
    }

    /** The health indicator's details. */
    Map<String, Object> details() {
        Report r = report;
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("phase", r.phase().name().toLowerCase(java.util.Locale.ROOT));
        if (r.reason() != null) {
            details.put("reason", r.reason());
        }
        if (r.phase() != Phase.SKIPPED && r.phase() != Phase.PENDING) {
            details.put("rounds", r.rounds());
            details.put("connections", r.tally().opened());
            details.put("connectionsFailed", r.tally().failed());
            details.put("publishes", r.tally().published());
            details.put("publishesFailed", r.tally().publishFailed());
            details.put("deliveries", r.tally().delivered());
            details.put("deliveriesExpected", r.tally().expected());
            details.put("millis", r.took().toMillis());
            details.put("settleMillis", r.settled().toMillis());
            if (r.tally().lastFailure() != null) {
                details.put("lastFailure", r.tally().lastFailure());
            }
        }
        return details;
    }
}
