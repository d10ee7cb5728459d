package org.pushgate.gateway.hub;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.pushgate.gateway.protocol.OutboundFrame;

import io.netty.channel.DefaultEventLoop;

import reactor.core.Disposable;
import reactor.test.StepVerifier;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

class LocalHubTest {

    static final Duration VERIFY = Duration.ofSeconds(10);

    final RecordingEvents events = new RecordingEvents();
    final LocalHub hub = new LocalHub(events);
    final ExecutorService pool = Executors.newFixedThreadPool(4);
    /** The subscribers' event loop: the one producer into each buffer, as a socket's loop is in the gateway. */
    final DefaultEventLoop loop = new DefaultEventLoop();

    @AfterEach
    void tearDown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        assertThat(loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS)).isTrue();
    }

    BufferSettings settings(int capacity, OverflowPolicy policy) {
        return new BufferSettings(capacity, 1L << 30, policy, new OutboundBudget(1L << 40, List::of, Runnable::run), events);
    }

    /** Through the memory engine, which assigns offsets and hands the hub each channel's messages in order. */
    final org.pushgate.gateway.broker.Broker broker = org.pushgate.gateway.broker.TestBrokers.memory(hub);

    int publish(String channel, String json) {
        return broker.publish(channel, json.getBytes(UTF_8)).block(VERIFY).reached();
    }

    SubscriberBuffer buffer(int capacity, OverflowPolicy policy, AtomicInteger cuts) {
        return new SubscriberBuffer(settings(capacity, policy), TestOwners.counting(cuts), loop);
    }

    @Test
    void publishReachesEverySubscriberWithOneSharedFrame() {
        AtomicInteger cuts = new AtomicInteger();
        SubscriberBuffer a = buffer(8, OverflowPolicy.DISCONNECT, cuts);
        SubscriberBuffer b = buffer(8, OverflowPolicy.DISCONNECT, cuts);
        hub.subscribe("news", a);
        hub.subscribe("news", b);

        assertThat(publish("news", "{\"x\":1}")).isEqualTo(2);

        OutboundFrame fromA = a.frames().blockFirst(VERIFY);
        OutboundFrame fromB = b.frames().blockFirst(VERIFY);
        assertThat(fromA).isSameAs(fromB);
        assertThat(fromA.text()).isEqualTo("{\"op\":\"message\",\"channel\":\"news\",\"offset\":1,\"data\":{\"x\":1}}");
    }

    /** A message to many subscribers shares one wire encoding; one to a few is encoded per write (pooled memory). */
    @Test
    void onlyAFanOutToSeveralSubscribersSharesItsWireEncoding() {
        AtomicInteger cuts = new AtomicInteger();
        List<SubscriberBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < Channel.SHARE_WIRE_FROM; i++) {
            SubscriberBuffer b = buffer(8, OverflowPolicy.DISCONNECT, cuts);
            buffers.add(b);
            hub.subscribe("few", b);
        }
        hub.unsubscribe("few", buffers.get(0));
        publish("few", "1");
        assertThat(buffers.get(1).frames().blockFirst(VERIFY).sharesWire()).as("%d subscribers", Channel.SHARE_WIRE_FROM - 1)
                .isFalse();
        hub.subscribe("few", buffers.get(0));
        publish("few", "2");
        assertThat(buffers.get(0).frames().blockFirst(VERIFY).sharesWire()).as("%d subscribers", Channel.SHARE_WIRE_FROM)
                .isTrue();
    }

    @Test
    void aChannelExistsExactlyWhileItHasSubscribers() {
        AtomicInteger cuts = new AtomicInteger();
        SubscriberBuffer a = buffer(8, OverflowPolicy.DISCONNECT, cuts);
        assertThat(hub.subscribe("c", a)).isTrue();
        assertThat(hub.subscribe("c", a)).as("duplicate").isFalse();
        assertThat(hub.channelCount()).isEqualTo(1);
        assertThat(hub.subscriptionCount()).isEqualTo(1);
        assertThat(hub.unsubscribe("c", a)).isTrue();
        assertThat(hub.unsubscribe("c", a)).isFalse();
        assertThat(hub.channelCount()).isZero();
        assertThat(hub.subscriptionCount()).isZero();
        assertThat(publish("c", "1")).isZero();
    }

    @Test
    void disconnectPolicyCutsTheSlowSubscriberOnceWhileTheFastOneGetsEverythingInOrder() {
        AtomicInteger slowCuts = new AtomicInteger();
        AtomicInteger fastCuts = new AtomicInteger();
        SubscriberBuffer slow = buffer(4, OverflowPolicy.DISCONNECT, slowCuts);
        SubscriberBuffer fast = buffer(4, OverflowPolicy.DISCONNECT, fastCuts);
        List<String> received = new CopyOnWriteArrayList<>();
        Disposable consumer = fast.frames().subscribe(f -> received.add(f.text()));
        hub.subscribe("c", slow);
        hub.subscribe("c", fast);

        List<Integer> reached = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            reached.add(publish("c", Integer.toString(i)));
        }

        assertThat(reached).containsExactly(2, 2, 2, 2, 1, 1, 1, 1, 1, 1);
        assertThat(slowCuts.get()).isEqualTo(1);
        assertThat(fastCuts.get()).isZero();
        assertThat(slow.wasCut()).isTrue();
        assertThat(slow.depth()).as("bounded").isEqualTo(4);
        assertThat(events.drops(HubEvents.DropReason.SLOW_CONSUMER)).isEqualTo(1);
        assertThat(received).hasSize(10);
        for (int i = 0; i < 10; i++) {
            assertThat(received.get(i)).endsWith("\"offset\":" + (i + 1) + ",\"data\":" + (i + 1) + "}");
        }
        consumer.dispose();
    }

    @Test
    void dropOldestKeepsTheNewestFramesInOrderAndCountsEveryDrop() {
        AtomicInteger cuts = new AtomicInteger();
        SubscriberBuffer slow = buffer(3, OverflowPolicy.DROP_OLDEST, cuts);
        hub.subscribe("c", slow);
        for (int i = 1; i <= 10; i++) {
            assertThat(publish("c", Integer.toString(i))).isEqualTo(1);
        }
        assertThat(cuts.get()).isZero();
        assertThat(slow.depth()).isEqualTo(3);
        assertThat(events.drops(HubEvents.DropReason.DROP_OLDEST)).isEqualTo(7);
        StepVerifier.create(slow.frames().map(OutboundFrame::text).take(3))
                .expectNextMatches(t -> t.endsWith(":8}"))
                .expectNextMatches(t -> t.endsWith(":9}"))
                .expectNextMatches(t -> t.endsWith(":10}"))
                .expectComplete()
                .verify(VERIFY);
    }

    @Test
    void aCancelledSubscriberIsNotCountedAsReached() {
        AtomicInteger cuts = new AtomicInteger();
        SubscriberBuffer gone = buffer(8, OverflowPolicy.DISCONNECT, cuts);
        hub.subscribe("c", gone);
        gone.frames().subscribe().dispose();
        assertThat(publish("c", "1")).isZero();
    }

    /** Concurrent publishers to one channel: serialized per channel, nothing lost, one order for all. */
    @RepeatedTest(5)
    void concurrentPublishersToOneChannelLoseNothingAndEverySubscriberSeesOneOrder() throws Exception {
        int publishers = 4;
        int perPublisher = 2_000;
        int total = publishers * perPublisher;
        AtomicInteger cuts = new AtomicInteger();
        SubscriberBuffer a = buffer(total, OverflowPolicy.DISCONNECT, cuts);
        SubscriberBuffer b = buffer(total, OverflowPolicy.DISCONNECT, cuts);
        List<String> first = new CopyOnWriteArrayList<>();
        List<String> second = new CopyOnWriteArrayList<>();
        Disposable c1 = a.frames().subscribe(f -> first.add(f.text()));
        Disposable c2 = b.frames().subscribe(f -> second.add(f.text()));
        hub.subscribe("hot", a);
        hub.subscribe("hot", b);

        int reached = race(publishers, p -> {
            int n = 0;
            for (int i = 0; i < perPublisher; i++) {
                n += publish("hot", "\"" + p + "-" + i + "\"");
            }
            return n;
        });

        assertThat(reached).isEqualTo(2 * total);
        assertThat(first).hasSize(total);
        assertThat(first).as("every subscriber sees the same order").isEqualTo(second);
        for (int i = 0; i < total; i++) {
            assertThat(first.get(i)).contains("\"offset\":" + (i + 1) + ",");
        }
        assertThat(cuts.get()).isZero();
        assertThat(events.drops).as("nothing dropped").isEmpty();
        c1.dispose();
        c2.dispose();
    }

    /**
     * Subscribers served by different loops are offered to on their own loop (one task per loop per message,
     * not per subscriber); concurrent publishers still give every subscriber the channel's one order, and the
     * publisher learns the full count only when every loop is done.
     */
    @RepeatedTest(3)
    void fanOutRunsOnEachSubscribersOwnExecutorInOffsetOrder() throws Exception {
        ExecutorService loopA = Executors.newSingleThreadExecutor(r -> new Thread(r, "loop-a"));
        ExecutorService loopB = Executors.newSingleThreadExecutor(r -> new Thread(r, "loop-b"));
        try {
            int publishers = 3;
            int perPublisher = 1_000;
            int total = publishers * perPublisher;
            AtomicInteger cuts = new AtomicInteger();
            List<SubscriberBuffer> buffers = new ArrayList<>();
            List<List<String>> received = new ArrayList<>();
            List<String> offerThreads = new CopyOnWriteArrayList<>();
            List<Disposable> consumers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ExecutorService own = i % 2 == 0 ? loopA : loopB;
                String expected = i % 2 == 0 ? "loop-a" : "loop-b";
                SubscriberBuffer buffer = new SubscriberBuffer(settings(total, OverflowPolicy.DISCONNECT),
                        TestOwners.counting(cuts), own);
                List<String> frames = new CopyOnWriteArrayList<>();
                consumers.add(buffer.frames().subscribe(f -> {
                    frames.add(f.text());
                    if (!Thread.currentThread().getName().equals(expected)) {
                        offerThreads.add(Thread.currentThread().getName());
                    }
                }));
                buffers.add(buffer);
                received.add(frames);
                hub.subscribe("looped", buffer);
            }

            int reached = race(publishers, p -> {
                int n = 0;
                for (int i = 0; i < perPublisher; i++) {
                    n += publish("looped", "\"" + p + "-" + i + "\"");
                }
                return n;
            });

            assertThat(reached).as("each publish answers with all six").isEqualTo(6 * total);
            assertThat(offerThreads).as("frames offered off their subscriber's loop").isEmpty();
            for (List<String> frames : received) {
                assertThat(frames).hasSize(total).isEqualTo(received.get(0));
            }
            for (int i = 0; i < total; i++) {
                assertThat(received.get(0).get(i)).contains("\"offset\":" + (i + 1) + ",");
            }
            assertThat(cuts.get()).isZero();
            for (SubscriberBuffer buffer : buffers) {
                assertThat(hub.unsubscribe("looped", buffer)).isTrue();
            }
            assertThat(hub.channelCount()).isZero();
            consumers.forEach(Disposable::dispose);
        }
        finally {
            loopA.shutdownNow();
            loopB.shutdownNow();
        }
    }

    /**
     * Joins and leaves race with the fan-out on the same loops and across them: subscribers who stay get every
     * message once, in offset order, and those who come and go get an ordered subset, never a duplicate.
     */
    @RepeatedTest(3)
    void subscribersWhoStayGetEveryMessageInOrderWhileOthersJoinAndLeaveOnTheirLoops() throws Exception {
        DefaultEventLoop other = new DefaultEventLoop();
        try {
            DefaultEventLoop[] loops = {loop, other};
            int messages = 2_000;
            AtomicInteger cuts = new AtomicInteger();
            List<List<Long>> stayed = new ArrayList<>();
            List<Disposable> consumers = new CopyOnWriteArrayList<>();
            // Early members that leave while messages flow: each leave moves a later member (a stayer, often) into
            // the hole, under the feet of a fan-out if leaving were not done on the loop that fans out.
            List<List<SubscriberBuffer>> early = List.of(new ArrayList<>(), new ArrayList<>());
            for (int i = 0; i < 200; i++) {
                SubscriberBuffer buffer = new SubscriberBuffer(settings(messages, OverflowPolicy.DISCONNECT),
                        TestOwners.counting(cuts), loops[i % 2]);
                consumers.add(buffer.frames().subscribe());
                early.get(i % 2).add(buffer);
                hub.subscribe("busy", buffer);
            }
            for (int i = 0; i < 4; i++) {
                SubscriberBuffer buffer = new SubscriberBuffer(settings(messages, OverflowPolicy.DISCONNECT),
                        TestOwners.counting(cuts), loops[i % 2]);
                List<Long> offsets = new CopyOnWriteArrayList<>();
                consumers.add(buffer.frames().subscribe(f -> offsets.add(f.offset())));
                stayed.add(offsets);
                hub.subscribe("busy", buffer);
            }
            List<List<Long>> churned = new CopyOnWriteArrayList<>();
            race(3, worker -> {
                if (worker == 0) {
                    for (long offset = 1; offset <= messages; offset++) {
                        hub.deliver("busy", "e", offset, "1".getBytes(UTF_8)).block(VERIFY);
                    }
                    return 0;
                }
                List<SubscriberBuffer> mine = new ArrayList<>(early.get(worker - 1));
                java.util.Collections.shuffle(mine);
                for (SubscriberBuffer buffer : mine) {
                    assertThat(hub.unsubscribe("busy", buffer)).isTrue();
                    Thread.onSpinWait();
                }
                for (int round = 0; round < 300; round++) {
                    SubscriberBuffer buffer = new SubscriberBuffer(settings(messages, OverflowPolicy.DISCONNECT),
                            TestOwners.counting(cuts), loops[(worker + round) % 2]);
                    List<Long> offsets = new CopyOnWriteArrayList<>();
                    consumers.add(buffer.frames().subscribe(f -> offsets.add(f.offset())));
                    churned.add(offsets);
                    assertThat(hub.subscribe("busy", buffer)).isTrue();
                    assertThat(hub.unsubscribe("busy", buffer)).isTrue();
                }
                return 0;
            });

            List<Long> all = new ArrayList<>();
            for (long offset = 1; offset <= messages; offset++) {
                all.add(offset);
            }
            for (List<Long> offsets : stayed) {
                assertThat(offsets).isEqualTo(all);
            }
            for (List<Long> offsets : churned) {
                assertThat(offsets).isSorted().doesNotHaveDuplicates();
            }
            assertThat(hub.subscriptionCount()).isEqualTo(4);
            assertThat(cuts.get()).isZero();
            consumers.forEach(Disposable::dispose);
        }
        finally {
            assertThat(other.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /**
     * Publishers on different channels reach one subscriber at the same time: the fan-out runs on the subscriber's
     * own loop, so its sink has one producer and nothing is dropped or contended.
     */
    @RepeatedTest(5)
    void concurrentEmitsIntoOneSubscriberFromManyChannelsLoseNothing() throws Exception {
        int channels = 4;
        int perChannel = 5_000;
        AtomicInteger cuts = new AtomicInteger();
        SubscriberBuffer shared = buffer(channels * perChannel, OverflowPolicy.DISCONNECT, cuts);
        AtomicInteger received = new AtomicInteger();
        Disposable consumer = shared.frames().subscribe(f -> received.incrementAndGet());
        for (int c = 0; c < channels; c++) {
            hub.subscribe("ch" + c, shared);
        }

        int reached = race(channels, c -> {
            int n = 0;
            for (int i = 0; i < perChannel; i++) {
                n += publish("ch" + c, Integer.toString(i));
            }
            return n;
        });

        assertThat(events.drops).as("drops").isEmpty();
        assertThat(reached).isEqualTo(channels * perChannel);
        assertThat(received.get()).isEqualTo(channels * perChannel);
        assertThat(cuts.get()).isZero();
        consumer.dispose();
    }

    /**
     * Issue 9, race 3: frames posted from threads other than the buffer's loop (replies after an asynchronous token
     * check, admin probes) while the hub fans out on that loop. Every post hops onto the loop, so the sink never
     * meets a second producer: nothing is lost and nothing counted as contended, and every frame is emitted on the
     * loop. Offering on the caller's thread instead makes emits meet (FAIL_NON_SERIALIZED) and this test fail.
     */
    @RepeatedTest(5)
    void framesPostedFromOtherThreadsHopOntoTheBuffersOwnLoopAndLoseNothing() throws Exception {
        int posters = 4;
        int perPoster = 5_000;
        int published = 5_000;
        int total = posters * perPoster + published;
        AtomicInteger cuts = new AtomicInteger();
        SubscriberBuffer buffer = buffer(total, OverflowPolicy.DISCONNECT, cuts);
        AtomicInteger received = new AtomicInteger();
        AtomicInteger offLoop = new AtomicInteger();
        Disposable consumer = buffer.frames().subscribe(f -> {
            received.incrementAndGet();
            if (!loop.inEventLoop()) {
                offLoop.incrementAndGet();
            }
        });
        hub.subscribe("replies", buffer);
        OutboundFrame reply = OutboundFrame.reply("{\"op\":\"subscribed\"}");

        race(posters + 1, worker -> {
            if (worker == posters) {
                for (int i = 0; i < published; i++) {
                    publish("replies", Integer.toString(i));
                }
                return 0;
            }
            for (int i = 0; i < perPoster; i++) {
                buffer.post(reply);
            }
            return 0;
        });
        loop.submit(() -> { }).get(10, TimeUnit.SECONDS); // every hop queued before this one has run

        assertThat(events.drops(HubEvents.DropReason.CONTENDED)).as("emits that met another producer").isZero();
        assertThat(events.drops).isEmpty();
        assertThat(received.get()).isEqualTo(total);
        assertThat(offLoop.get()).as("frames emitted off the buffer's loop").isZero();
        assertThat(cuts.get()).isZero();
        consumer.dispose();
    }

    @Test
    void subscribeAndUnsubscribeStormsLeaveConsistentCounts() throws Exception {
        AtomicInteger cuts = new AtomicInteger();
        int threads = 4;
        race(threads, t -> {
            List<SubscriberBuffer> mine = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                SubscriberBuffer s = buffer(4, OverflowPolicy.DROP_OLDEST, cuts);
                mine.add(s);
                hub.subscribe("storm" + (i % 7), s);
                publish("storm" + (i % 5), "1");
            }
            for (int i = 0; i < mine.size(); i++) {
                hub.unsubscribe("storm" + (i % 7), mine.get(i));
            }
            return 0;
        });
        assertThat(hub.subscriptionCount()).isZero();
        assertThat(hub.channelCount()).isZero();
    }

    interface Work {
        int run(int worker) throws Exception;
    }

    private int race(int workers, Work work) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            results.add(pool.submit(() -> {
                start.await();
                return work.run(worker);
            }));
        }
        start.countDown();
        int sum = 0;
        for (Future<Integer> r : results) {
            sum += r.get(60, TimeUnit.SECONDS);
        }
        return sum;
    }
}
