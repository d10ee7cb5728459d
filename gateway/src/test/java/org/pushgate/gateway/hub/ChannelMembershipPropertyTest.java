package org.pushgate.gateway.hub;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Joins, leaves and publishes in any order, with the subscribers' loops running their tasks at any pace, against a
 * model: a set of members. Every publish reaches exactly the buffers that were members when it was delivered, each
 * in offset order; subscribe and unsubscribe answer as the model does; the counts and the node's first and last
 * subscriber calls follow it step by step.
 */
class ChannelMembershipPropertyTest {

    static final int BUFFERS = 6;
    static final int LOOPS = 2;
    static final String CHANNEL = "c";

    /** One thing the test does: join or leave a buffer, publish, or let one loop run some of its queued tasks. */
    enum Kind { JOIN, LEAVE, PUBLISH, RUN }

    record Step(Kind kind, int who, int tasks) { }

    /** An event loop whose tasks run when the test says so, one at a time, in order. */
    static final class ManualLoop implements Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        void run(int n) {
            for (int i = 0; i < n && !tasks.isEmpty(); i++) {
                tasks.poll().run();
            }
        }

        void drain() {
            while (!tasks.isEmpty()) {
                tasks.poll().run();
            }
        }
    }

    @Property(tries = 500)
    void everyPublishReachesExactlyTheMembersOfItsMomentInOrder(@ForAll("steps") List<Step> steps) {
        List<String> node = new ArrayList<>();
        LocalHub hub = new LocalHub(HubEvents.NONE);
        hub.attach(new NodeSubscriptions() {
            @Override
            public void opened(String channel) {
                node.add("opened");
            }

            @Override
            public void closed(String channel) {
                node.add("closed");
            }
        });
        ManualLoop[] loops = new ManualLoop[LOOPS];
        for (int i = 0; i < LOOPS; i++) {
            loops[i] = new ManualLoop();
        }
        BufferSettings settings = new BufferSettings(1 << 16, 1L << 30, OverflowPolicy.DISCONNECT,
                new OutboundBudget(1L << 40, List::of, Runnable::run), HubEvents.NONE);
        SubscriberBuffer[] buffers = new SubscriberBuffer[BUFFERS];
        List<List<Long>> got = new ArrayList<>();
        List<List<Long>> expected = new ArrayList<>();
        for (int i = 0; i < BUFFERS; i++) {
            buffers[i] = new SubscriberBuffer(settings, TestOwners.counting(new AtomicInteger()), loops[i % LOOPS]);
            List<Long> mine = new ArrayList<>();
            got.add(mine);
            expected.add(new ArrayList<>());
            buffers[i].frames().subscribe(frame -> mine.add(frame.offset()));
        }
        boolean[] member = new boolean[BUFFERS];
        int members = 0;
        List<String> expectedNode = new ArrayList<>();
        List<int[]> reached = new ArrayList<>(); // {expected, actual}
        long offset = 0;

        for (Step step : steps) {
            int who = step.who() % BUFFERS;
            switch (step.kind()) {
                case JOIN -> {
                    assertThat(hub.subscribe(CHANNEL, buffers[who])).as("join %d", who).isEqualTo(!member[who]);
                    if (!member[who]) {
                        member[who] = true;
                        if (members++ == 0) {
                            expectedNode.add("opened");
                        }
                    }
                }
                case LEAVE -> {
                    assertThat(hub.unsubscribe(CHANNEL, buffers[who])).as("leave %d", who).isEqualTo(member[who]);
                    if (member[who]) {
                        member[who] = false;
                        if (--members == 0) {
                            expectedNode.add("closed");
                        }
                    }
                }
                case PUBLISH -> {
                    offset++;
                    int[] counts = {members, -1};
                    reached.add(counts);
                    for (int i = 0; i < BUFFERS; i++) {
                        if (member[i]) {
                            expected.get(i).add(offset);
                        }
                    }
                    hub.deliver(CHANNEL, "e", offset, "1".getBytes(UTF_8)).subscribe(n -> counts[1] = n);
                }
                case RUN -> loops[step.who() % LOOPS].run(step.tasks());
            }
            assertThat(hub.subscriptionCount()).isEqualTo(members);
            assertThat(hub.channelCount()).isEqualTo(members > 0 ? 1 : 0);
            assertThat(hub.channels()).isEqualTo(members > 0 ? java.util.Map.of(CHANNEL, members) : java.util.Map.of());
            assertThat(node).isEqualTo(expectedNode);
        }
        for (ManualLoop loop : loops) {
            loop.drain();
        }
        for (int i = 0; i < BUFFERS; i++) {
            assertThat(got.get(i)).as("offsets buffer %d received", i).isEqualTo(expected.get(i));
        }
        for (int[] counts : reached) {
            assertThat(counts[1]).as("subscribers reached").isEqualTo(counts[0]);
        }
        List<SubscriberBuffer> seen = new ArrayList<>();
        hub.forEachSubscription((channel, buffer) -> seen.add(buffer));
        for (int i = 0; i < BUFFERS; i++) {
            assertThat(seen.contains(buffers[i])).as("auditor sees buffer %d", i).isEqualTo(member[i]);
        }
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = Combinators.combine(
                        Arbitraries.of(Kind.values()),
                        Arbitraries.integers().between(0, BUFFERS - 1),
                        Arbitraries.integers().between(1, 4))
                .as(Step::new);
        return step.list().ofMaxSize(60);
    }
}
