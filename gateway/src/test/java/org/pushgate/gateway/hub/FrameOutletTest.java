package org.pushgate.gateway.hub;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.pushgate.gateway.protocol.OutboundFrame;

import reactor.core.publisher.BaseSubscriber;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A subscriber buffer's outlet: a frame asked for with nothing waiting goes straight to the subscriber (never into
 * the queue, never counted at the fence), everything else waits in order; a cancel clears what waits.
 */
class FrameOutletTest {

    static final java.time.Duration VERIFY = java.time.Duration.ofSeconds(10);

    final List<SubscriberBuffer> none = List.of();
    final OutboundBudget budget = new OutboundBudget(1L << 40, () -> none, Runnable::run);
    final BufferSettings settings = new BufferSettings(1_000, 1L << 30, OverflowPolicy.DISCONNECT, budget,
            new RecordingEvents());
    final FrameOutlet outlet = new FrameOutlet(settings);
    ExecutorService other;

    @AfterEach
    void stopOther() {
        if (other != null) {
            other.shutdownNow();
        }
    }

    static OutboundFrame message(int i) {
        return new OutboundFrame(OutboundFrame.Kind.MESSAGE, ("m" + i).getBytes(StandardCharsets.UTF_8));
    }

    static long index(OutboundFrame frame) {
        return Long.parseLong(frame.text().substring(1));
    }

    /** Takes frames one at a time, as a connection's outbound does; {@code seen} records each as it arrives. */
    static final class OneAtATime extends BaseSubscriber<OutboundFrame> {
        final List<OutboundFrame> seen = new CopyOnWriteArrayList<>();
        final List<Long> fencedWhileDelivered = new ArrayList<>();
        final OutboundBudget budget;
        boolean askAgain = true;

        OneAtATime(OutboundBudget budget) {
            this.budget = budget;
        }

        @Override
        protected void hookOnSubscribe(org.reactivestreams.Subscription subscription) {
            request(1);
        }

        @Override
        protected void hookOnNext(OutboundFrame frame) {
            seen.add(frame);
            fencedWhileDelivered.add(budget.queuedBytes());
            if (askAgain) {
                request(1);
            }
        }
    }

    @Test
    void aFrameAskedForWithNothingWaitingGoesStraightOutNeverQueuedNorFenced() {
        OneAtATime writer = new OneAtATime(budget);
        outlet.subscribe(writer);

        for (int i = 0; i < 3; i++) {
            assertThat(outlet.emit(message(i))).isEqualTo(FrameOutlet.Emit.SENT);
        }

        assertThat(writer.seen).extracting(FrameOutletTest::index).containsExactly(0L, 1L, 2L);
        assertThat(writer.fencedWhileDelivered).as("bytes at the fence while each frame was handed over").containsOnly(0L);
        assertThat(outlet.depth()).isZero();
        assertThat(outlet.queuedBytes()).isZero();
        writer.dispose();
    }

    @Test
    void withoutDemandFramesWaitCountedAtTheFenceAndLeaveInOrderBeforeAnyLaterOne() {
        OneAtATime writer = new OneAtATime(budget);
        writer.askAgain = false;
        outlet.subscribe(writer);
        assertThat(outlet.emit(message(0))).isEqualTo(FrameOutlet.Emit.SENT); // the one asked for at subscribe

        assertThat(outlet.emit(message(1))).isEqualTo(FrameOutlet.Emit.QUEUED);
        assertThat(outlet.emit(message(2))).isEqualTo(FrameOutlet.Emit.QUEUED);
        assertThat(outlet.depth()).isEqualTo(2);
        assertThat(budget.queuedBytes()).isEqualTo(4);

        writer.request(1);
        assertThat(outlet.emit(message(3))).as("1 and 2 still wait... now only 2").isEqualTo(FrameOutlet.Emit.QUEUED);
        writer.request(5);

        assertThat(writer.seen).extracting(FrameOutletTest::index).containsExactly(0L, 1L, 2L, 3L);
        assertThat(outlet.depth()).isZero();
        assertThat(budget.queuedBytes()).as("every waiting byte given back").isZero();
        assertThat(outlet.emit(message(4))).as("demand left over, nothing waits").isEqualTo(FrameOutlet.Emit.SENT);
        writer.dispose();
    }

    @Test
    void framesEmittedBeforeTheSubscribeWaitForIt() {
        outlet.emit(message(0));
        outlet.emit(message(1));
        assertThat(outlet.depth()).isEqualTo(2);

        StepVerifier.create(outlet.map(FrameOutletTest::index).take(3))
                .then(() -> outlet.emit(message(2)))
                .expectNext(0L, 1L, 2L)
                .expectComplete()
                .verify(VERIFY);
    }

    /** A frame emitted while the subscriber handles another (on the same thread) goes after it, not inside it. */
    @Test
    void aFrameEmittedFromInsideADeliveryFollowsIt() {
        List<String> order = new ArrayList<>();
        BaseSubscriber<OutboundFrame> writer = new BaseSubscriber<>() {
            @Override
            protected void hookOnNext(OutboundFrame frame) {
                order.add("start " + index(frame));
                if (index(frame) == 0) {
                    outlet.emit(message(1));
                }
                order.add("end " + index(frame));
            }
        };
        outlet.subscribe(writer);

        assertThat(outlet.emit(message(0))).isEqualTo(FrameOutlet.Emit.SENT);

        assertThat(order).containsExactly("start 0", "end 0", "start 1", "end 1");
        assertThat(outlet.depth()).isZero();
        writer.dispose();
    }

    @Test
    void aCancelClearsWhatWaitsGivesItsBytesBackAndRefusesTheRest() {
        OneAtATime writer = new OneAtATime(budget);
        writer.askAgain = false;
        outlet.subscribe(writer);
        outlet.emit(message(0));
        outlet.emit(message(1));
        outlet.emit(message(2));
        assertThat(budget.queuedBytes()).isEqualTo(4);

        writer.cancel();

        assertThat(outlet.depth()).isZero();
        assertThat(budget.queuedBytes()).isZero();
        assertThat(outlet.emit(message(3))).isEqualTo(FrameOutlet.Emit.CANCELLED);
        assertThat(writer.seen).hasSize(1);
    }

    @Test
    void aSecondSubscriberIsRefused() {
        outlet.subscribe(new OneAtATime(budget));
        StepVerifier.create(outlet).expectError(IllegalStateException.class).verify(VERIFY);
    }

    /**
     * The writer asks for each next frame from another thread (as a flush completing elsewhere would) while the
     * producer emits: every frame arrives once, in order, and nothing is left waiting or fenced.
     */
    @RepeatedTest(5)
    void demandFromAnotherThreadWhileTheProducerEmitsLosesNothingAndKeepsTheOrder() throws Exception {
        other = Executors.newSingleThreadExecutor();
        int frames = 20_000;
        BufferSettings roomy = new BufferSettings(frames, 1L << 30, OverflowPolicy.DISCONNECT, budget,
                new RecordingEvents());
        FrameOutlet outlet = new FrameOutlet(roomy);
        BaseSubscriber<OutboundFrame> writer = new BaseSubscriber<>() {
            long next;

            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription subscription) {
                request(1);
            }

            @Override
            protected void hookOnNext(OutboundFrame frame) {
                assertThat(index(frame)).isEqualTo(next++);
                if ((next & 1) == 0) {
                    other.execute(() -> request(1));
                }
                else {
                    request(1);
                }
            }
        };
        List<Long> seen = new CopyOnWriteArrayList<>();
        outlet.doOnNext(f -> seen.add(index(f))).subscribe(writer);

        int sent = 0;
        for (int i = 0; i < frames; i++) {
            FrameOutlet.Emit emit = outlet.emit(message(i));
            assertThat(emit).isIn(FrameOutlet.Emit.SENT, FrameOutlet.Emit.QUEUED);
            sent += emit == FrameOutlet.Emit.SENT ? 1 : 0;
        }
        other.submit(() -> { }).get(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (seen.size() < frames && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }

        assertThat(seen).hasSize(frames);
        assertThat(seen.get(frames - 1)).isEqualTo(frames - 1L);
        assertThat(outlet.depth()).isZero();
        assertThat(budget.queuedBytes()).isZero();
        assertThat(sent).as("frames handed straight over").isPositive();
        writer.dispose();
    }

    /** A cancel from another thread while the producer emits: whatever was queued is cleared, nothing stays fenced. */
    @RepeatedTest(5)
    void aCancelFromAnotherThreadMidStreamLeavesNothingBehind() throws Exception {
        other = Executors.newSingleThreadExecutor();
        int frames = 20_000;
        BufferSettings roomy = new BufferSettings(frames, 1L << 30, OverflowPolicy.DISCONNECT, budget,
                new RecordingEvents());
        FrameOutlet outlet = new FrameOutlet(roomy);
        OneAtATime writer = new OneAtATime(budget);
        writer.askAgain = false;
        outlet.subscribe(writer);
        java.util.concurrent.Future<?> cancel = other.submit(() -> {
            for (int i = 0; i < 200; i++) {
                writer.request(1);
            }
            writer.cancel();
        });

        int refused = 0;
        for (int i = 0; i < frames; i++) {
            refused += outlet.emit(message(i)) == FrameOutlet.Emit.CANCELLED ? 1 : 0;
        }
        cancel.get(10, TimeUnit.SECONDS);
        outlet.emit(message(frames)); // whatever the race, an emit after the cancel is refused and clears nothing new

        assertThat(outlet.depth()).isZero();
        assertThat(budget.queuedBytes()).isZero();
        assertThat(writer.seen.size()).isLessThanOrEqualTo(201);
        assertThat(refused + writer.seen.size()).isLessThanOrEqualTo(frames);
    }
}
