package org.pushgate.gateway.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.protocol.OutboundFrame;

import io.netty.util.concurrent.ImmediateEventExecutor;
import reactor.core.Disposable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A subscriber buffer's bounds in bytes as well as frames, its overflow policies, and the process-wide fence.
 * Buffers here have no consumer (a peer that stopped reading) unless a test drains one.
 */
class SubscriberBufferTest {

    final RecordingEvents events = new RecordingEvents();
    final List<SubscriberBuffer> all = new ArrayList<>();

    static OutboundFrame message(int bytes) {
        return new OutboundFrame(OutboundFrame.Kind.MESSAGE, new byte[bytes]);
    }

    SubscriberBuffer buffer(BufferSettings settings, AtomicReference<HubEvents.DropReason> cutFor) {
        SubscriberOwner owner = new SubscriberOwner() {
            @Override
            public void cut(HubEvents.DropReason reason) {
                cutFor.set(reason);
            }

            @Override
            public void insufficientState(String channel) {
            }
        };
        SubscriberBuffer buffer = new SubscriberBuffer(settings, owner, ImmediateEventExecutor.INSTANCE);
        all.add(buffer);
        return buffer;
    }

    BufferSettings settings(int frames, long bytes, OverflowPolicy policy, long fence) {
        return new BufferSettings(frames, bytes, policy, new OutboundBudget(fence, () -> all, Runnable::run), events);
    }

    @Test
    void whicheverBoundIsReachedFirstCutsASlowSubscriber_hereTheBytes() {
        AtomicReference<HubEvents.DropReason> cut = new AtomicReference<>();
        SubscriberBuffer buffer = buffer(settings(1_000, 1_000, OverflowPolicy.DISCONNECT, 1L << 40), cut);

        assertThat(buffer.offer(message(300))).isEqualTo(SubscriberBuffer.Offer.TAKEN);
        assertThat(buffer.offer(message(300))).isEqualTo(SubscriberBuffer.Offer.TAKEN);
        assertThat(buffer.offer(message(300))).isEqualTo(SubscriberBuffer.Offer.TAKEN);
        assertThat(buffer.offer(message(300))).as("1,200 bytes > 1,000").isEqualTo(SubscriberBuffer.Offer.REFUSED);

        assertThat(buffer.queuedBytes()).isEqualTo(900);
        assertThat(buffer.depth()).isEqualTo(3);
        assertThat(cut.get()).isEqualTo(HubEvents.DropReason.SLOW_CONSUMER);
        assertThat(events.drops(HubEvents.DropReason.SLOW_CONSUMER)).isEqualTo(1);
        assertThat(buffer.offer(message(1))).as("a cut buffer takes nothing more").isEqualTo(SubscriberBuffer.Offer.CLOSED);
    }

    @Test
    void theFrameBoundStillHolds() {
        AtomicReference<HubEvents.DropReason> cut = new AtomicReference<>();
        SubscriberBuffer buffer = buffer(settings(2, 1L << 30, OverflowPolicy.DISCONNECT, 1L << 40), cut);
        buffer.offer(message(1));
        buffer.offer(message(1));
        assertThat(buffer.offer(message(1))).isEqualTo(SubscriberBuffer.Offer.REFUSED);
        assertThat(cut.get()).isEqualTo(HubEvents.DropReason.SLOW_CONSUMER);
    }

    @Test
    void anEmptyBufferTakesOneFrameLargerThanItsByteBound() {
        AtomicReference<HubEvents.DropReason> cut = new AtomicReference<>();
        SubscriberBuffer buffer = buffer(settings(10, 100, OverflowPolicy.DISCONNECT, 1L << 40), cut);
        assertThat(buffer.offer(message(5_000))).isEqualTo(SubscriberBuffer.Offer.TAKEN);
        assertThat(buffer.offer(message(1))).isEqualTo(SubscriberBuffer.Offer.REFUSED);
    }

    @Test
    void dropOldestEvictsOnlyMessagesNeverAReply() {
        AtomicReference<HubEvents.DropReason> cut = new AtomicReference<>();
        SubscriberBuffer buffer = buffer(settings(3, 1L << 30, OverflowPolicy.DROP_OLDEST, 1L << 40), cut);
        OutboundFrame subscribed = OutboundFrame.reply("{\"op\":\"subscribed\",\"channel\":\"c\"}");
        OutboundFrame first = message(1);
        OutboundFrame second = message(2);
        OutboundFrame third = message(3);
        buffer.offer(subscribed);
        buffer.offer(first);
        buffer.offer(second);
        assertThat(buffer.offer(third)).isEqualTo(SubscriberBuffer.Offer.TAKEN);

        List<OutboundFrame> drained = new ArrayList<>();
        Disposable consumer = buffer.frames().subscribe(drained::add);
        assertThat(drained).containsExactly(subscribed, second, third);
        assertThat(events.drops(HubEvents.DropReason.DROP_OLDEST)).isEqualTo(1);
        assertThat(cut.get()).isNull();
        assertThat(buffer.queuedBytes()).isZero();
        consumer.dispose();
    }

    @Test
    void dropOldestEvictsAsManyMessagesAsTheBytesNeed() {
        AtomicReference<HubEvents.DropReason> cut = new AtomicReference<>();
        SubscriberBuffer buffer = buffer(settings(100, 1_000, OverflowPolicy.DROP_OLDEST, 1L << 40), cut);
        for (int i = 0; i < 10; i++) {
            buffer.offer(message(100));
        }
        assertThat(buffer.offer(message(450))).isEqualTo(SubscriberBuffer.Offer.TAKEN);
        assertThat(buffer.queuedBytes()).as("five 100-byte messages evicted for 450").isEqualTo(950);
        assertThat(events.drops(HubEvents.DropReason.DROP_OLDEST)).isEqualTo(5);
        assertThat(cut.get()).isNull();
    }

    @Test
    void aDropOldestBufferHoldingOnlyRepliesCutsRatherThanDropAnAnswer() {
        AtomicReference<HubEvents.DropReason> cut = new AtomicReference<>();
        SubscriberBuffer buffer = buffer(settings(2, 1L << 30, OverflowPolicy.DROP_OLDEST, 1L << 40), cut);
        buffer.offer(OutboundFrame.reply("{}"));
        buffer.offer(OutboundFrame.reply("{}"));
        assertThat(buffer.offer(message(1))).isEqualTo(SubscriberBuffer.Offer.REFUSED);
        assertThat(cut.get()).isEqualTo(HubEvents.DropReason.SLOW_CONSUMER);
    }

    /**
     * Past the process-wide fence the buffers holding the most are cut first, with their own reason, until the sum
     * would be back under three quarters of the fence; the others keep everything.
     */
    @Test
    void pastTheProcessFenceTheBiggestBuffersAreCutFirst() {
        AtomicReference<HubEvents.DropReason> smallCut = new AtomicReference<>();
        AtomicReference<HubEvents.DropReason> bigCut = new AtomicReference<>();
        AtomicReference<HubEvents.DropReason> middleCut = new AtomicReference<>();
        BufferSettings shared = settings(1_000, 1L << 30, OverflowPolicy.DISCONNECT, 1_000);
        SubscriberBuffer small = buffer(shared, smallCut);
        SubscriberBuffer big = buffer(shared, bigCut);
        SubscriberBuffer middle = buffer(shared, middleCut);
        small.offer(message(100));
        big.offer(message(500));
        middle.offer(message(300));
        assertThat(shared.budget().queuedBytes()).isEqualTo(900);
        assertThat(bigCut.get()).as("under the fence").isNull();

        small.offer(message(200)); // 1,100 > 1,000: one pass; the target is 750, so 350 must go

        assertThat(bigCut.get()).isEqualTo(HubEvents.DropReason.OUTBOUND_MEMORY);
        assertThat(middleCut.get()).as("500 freed covers the 350 over the target").isNull();
        assertThat(smallCut.get()).isNull();
        assertThat(events.drops(HubEvents.DropReason.OUTBOUND_MEMORY)).isEqualTo(1);
        assertThat(big.offer(message(1))).isEqualTo(SubscriberBuffer.Offer.CLOSED);

        middle.offer(message(1));
        assertThat(shared.budget().reclaim()).as("a second pass before the cut buffer's pipeline cleared it").isZero();
        assertThat(middleCut.get()).as("bytes on their way out are not counted twice").isNull();

        big.frames().subscribe().dispose(); // the cut connection's pipeline ends: its queue is cleared
        assertThat(shared.budget().queuedBytes()).isEqualTo(601);
    }
}
