package org.pushgate.gateway.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.pushgate.gateway.config.GatewayProperties;

import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * The Broker contract, the same for every engine: offsets, epochs, history, trimming, ttl, order. A subclass
 * supplies the engine (and whatever it runs on); the channel names are fresh per test, so engines with state
 * outside the JVM (Redis) need no cleanup between tests.
 *
 * <p>Policy: history size 100 and ttl 5 min by default; namespace {@code tiny} keeps 3 messages, {@code short}
 * lives 400 ms, {@code none} keeps no history.
 */
@Timeout(60)
abstract class BrokerContract {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final Duration SHORT_TTL = Duration.ofMillis(400);
    static final HistoryPolicy POLICY = new HistoryPolicy(100, Duration.ofMinutes(5), Map.of(
            "tiny", new GatewayProperties.History.Namespace(3, null),
            "short", new GatewayProperties.History.Namespace(null, SHORT_TTL),
            "none", new GatewayProperties.History.Namespace(0, null)));
    private static final AtomicInteger CHANNELS = new AtomicInteger();

    protected RecordingHub hub;
    protected Broker broker;

    /** A started engine over this hub, with {@link #POLICY}. */
    abstract Broker create(RecordingHub hub, HistoryPolicy policy);

    /** Stops what {@link #create} started. */
    abstract void destroy(Broker broker);

    @BeforeEach
    void startBroker() {
        hub = new RecordingHub();
        broker = create(hub, POLICY);
    }

    @AfterEach
    void stopBroker() {
        destroy(broker);
    }

    static String channel(String namespace) {
        return namespace + ":c" + CHANNELS.incrementAndGet() + "-" + System.nanoTime();
    }

    /** Opens the channel as a hub's first local subscriber would, and waits until the broker serves it. */
    void listen(String channel) {
        hub.open(channel);
        broker.history(channel, 0, 0).block(WAIT); // a read waits until the node's subscription is in place
    }

    Published publish(String channel, String data) {
        return broker.publish(channel, data.getBytes(StandardCharsets.UTF_8)).block(WAIT);
    }

    History history(String channel, long since, int limit) {
        return broker.history(channel, since, limit).block(WAIT);
    }

    static List<Long> offsets(History history) {
        return history.messages().stream().map(StreamMessage::offset).toList();
    }

    static void await(String what, BooleanSupplier condition) {
        await(what, condition, () -> "");
    }

    static void await(String what, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what + " " + state.get());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
    }

    @Test
    void publishAssignsOffsetsOneTwoThreeInOneEpoch() {
        String c = channel("ns");
        Published first = publish(c, "{\"n\":1}");
        Published second = publish(c, "{\"n\":2}");
        Published third = publish(c, "{\"n\":3}");
        assertThat(List.of(first.position().offset(), second.position().offset(), third.position().offset()))
                .containsExactly(1L, 2L, 3L);
        assertThat(new java.util.HashSet<>(List.of(first.position().epoch(), second.position().epoch(), third.position().epoch()))).hasSize(1);
        assertThat(history(c, 0, 0).top()).isEqualTo(third.position());
    }

    @Test
    void historyReadsAfterSinceUpToItsLimitAndSaysWhetherItWasCut() {
        String c = channel("ns");
        for (int i = 1; i <= 5; i++) {
            publish(c, "{\"n\":" + i + "}");
        }
        History after2 = history(c, 2, 10);
        String epoch = after2.top().epoch();
        assertThat(offsets(after2)).containsExactly(3L, 4L, 5L);
        assertThat(new String(after2.messages().get(0).data(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":3}");
        assertThat(after2.complete()).isTrue();
        assertThat(after2.continuousFrom(2, epoch)).isTrue();

        History cut = history(c, 0, 2);
        assertThat(offsets(cut)).containsExactly(1L, 2L);
        assertThat(cut.complete()).isFalse();
        assertThat(cut.continuousFrom(0, epoch)).isFalse();

        History upToDate = history(c, 5, 10);
        assertThat(upToDate.messages()).isEmpty();
        assertThat(upToDate.continuousFrom(5, epoch)).isTrue();

        History position = history(c, 0, 0);
        assertThat(position.messages()).isEmpty();
        assertThat(position.top().offset()).isEqualTo(5);

        assertThat(history(c, 2, 10).continuousFrom(2, "another-epoch")).isFalse();
    }

    @Test
    void trimmingToTheHistorySizeLeavesAHoleThatContinuousFromSees() {
        String c = channel("tiny");
        for (int i = 1; i <= 10; i++) {
            publish(c, "{\"n\":" + i + "}");
        }
        History all = history(c, 0, 100);
        String epoch = all.top().epoch();
        assertThat(offsets(all)).containsExactly(8L, 9L, 10L);
        assertThat(all.continuousFrom(0, epoch)).isFalse();
        assertThat(all.continuousFrom(5, epoch)).isFalse();
        assertThat(history(c, 7, 100).continuousFrom(7, epoch)).isTrue();
    }

    @Test
    void aChannelWithoutHistoryKeepsItsPositionButNoMessages() {
        String c = channel("none");
        publish(c, "{}");
        Published second = publish(c, "{}");
        History read = history(c, 0, 100);
        assertThat(read.top()).isEqualTo(second.position());
        assertThat(read.messages()).isEmpty();
        assertThat(read.continuousFrom(0, read.top().epoch())).isFalse();
        assertThat(read.continuousFrom(2, read.top().epoch())).isTrue();
    }

    @Test
    void aStreamPastItsTtlStartsAgainWithANewEpoch() {
        String c = channel("short");
        Published before = publish(c, "{}");
        await("the stream to expire", () -> !history(c, 0, 0).top().epoch().equals(before.position().epoch()));
        History after = history(c, 0, 100);
        assertThat(after.top().offset()).isZero();
        assertThat(after.messages()).isEmpty();
        assertThat(after.continuousFrom(1, before.position().epoch())).isFalse();
        Published next = publish(c, "{}");
        assertThat(next.position()).isEqualTo(new StreamPosition(1, after.top().epoch()));
    }

    @Test
    void forgottenStreamsAreGoneAtOnceAndOthersStay() {
        String a = channel("ns");
        String b = channel("ns");
        String kept = channel("ns");
        Published beforeA = publish(a, "{}");
        publish(b, "{}");
        Published keptBefore = publish(kept, "{}");
        broker.forget(List.of(a, b)).block(java.time.Duration.ofSeconds(5));
        History after = history(a, 0, 100);
        assertThat(after.top().offset()).isZero();
        assertThat(after.messages()).isEmpty();
        assertThat(after.top().epoch()).isNotEqualTo(beforeA.position().epoch());
        assertThat(history(b, 0, 100).messages()).isEmpty();
        assertThat(history(kept, 0, 100).top()).isEqualTo(keptBefore.position());
        broker.forget(List.of(channel("ns"))).block(java.time.Duration.ofSeconds(5)); // an unknown channel: nothing to do
    }

    @Test
    void readingAnUnknownChannelGivesAStablePosition() {
        String c = channel("ns");
        StreamPosition first = history(c, 0, 0).top();
        StreamPosition second = history(c, 0, 10).top();
        assertThat(first.offset()).isZero();
        assertThat(second).isEqualTo(first);
        assertThat(publish(c, "{}").position()).isEqualTo(new StreamPosition(1, first.epoch()));
    }

    @Test
    void concurrentPublishersGetDistinctOffsetsAndTheHubSeesThemInOrder() {
        String c = channel("ns");
        listen(c);
        int publishers = 4;
        int each = 250;
        Set<Long> assigned = ConcurrentHashMap.newKeySet();
        Flux.range(0, publishers)
                .parallel(publishers).runOn(Schedulers.boundedElastic())
                .flatMap(p -> Flux.range(0, each)
                        .concatMap(i -> broker.publish(c, ("{\"p\":" + p + ",\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8))))
                .doOnNext(published -> assigned.add(published.position().offset()))
                .sequential()
                .blockLast(WAIT.multipliedBy(3));
        int total = publishers * each;
        assertThat(assigned).hasSize(total);
        assertThat(new TreeSet<>(assigned).first()).isEqualTo(1L);
        assertThat(new TreeSet<>(assigned).last()).isEqualTo((long) total);
        await("every message delivered to the hub", () -> hub.delivered(c).size() >= total,
                () -> "delivered " + hub.delivered(c).size());
        List<Long> expected = new ArrayList<>();
        for (long i = 1; i <= total; i++) {
            expected.add(i);
        }
        assertThat(hub.delivered(c)).as("the hub is handed the channel's messages in offset order, each once")
                .isEqualTo(expected);
    }

    @Test
    void theHubIsHandedEachMessageWithItsPositionAndData() {
        String c = channel("ns");
        listen(c);
        Published p = publish(c, "{\"x\":\"y\"}");
        await("the delivery", () -> hub.delivered(c).size() == 1);
        RecordingHub.Call call = hub.calls(c).stream().filter(RecordingHub.Call::delivery).findFirst().orElseThrow();
        assertThat(call.epoch()).isEqualTo(p.position().epoch());
        assertThat(call.offset()).isEqualTo(1);
        assertThat(new String(call.data(), StandardCharsets.UTF_8)).isEqualTo("{\"x\":\"y\"}");
    }
}
