package org.pushgate.load.bench;

import org.pushgate.gateway.hub.BufferSettings;
import org.pushgate.gateway.hub.HubEvents;
import org.pushgate.gateway.hub.OutboundBudget;
import org.pushgate.gateway.hub.OverflowPolicy;
import org.pushgate.gateway.hub.SubscriberOwner;
import org.pushgate.gateway.protocol.OutboundFrame;
import org.reactivestreams.Subscription;

import reactor.core.publisher.BaseSubscriber;

/**
 * Stands in for a connection pipeline in the benchmarks: consumes a {@code SubscriberBuffer}'s frames on the
 * publishing thread, one at a time (request 1 per frame, as the gateway's merge with prefetch 1 does), and counts
 * them so that a benchmark can check every frame arrived.
 */
final class DrainingSubscriber extends BaseSubscriber<OutboundFrame> {

    /** The gateway's default bounds (1,024 frames, 1 MiB), with a process fence the benchmarks never reach. */
    static final BufferSettings BUFFERS = new BufferSettings(1024, 1 << 20, OverflowPolicy.DISCONNECT,
            new OutboundBudget(Long.MAX_VALUE, java.util.List::of, Runnable::run), HubEvents.NONE);

    /** A draining subscriber keeps up by construction: a cut or a gap means the benchmark is wrong. */
    static final SubscriberOwner NEVER_CUT = new SubscriberOwner() {
        @Override
        public void cut(HubEvents.DropReason reason) {
            throw new IllegalStateException("a draining subscriber was cut: " + reason);
        }

        @Override
        public void insufficientState(String channel) {
            throw new IllegalStateException("a gap in " + channel + "'s offsets");
        }
    };

    long frames;
    long bytes;

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
        subscription.request(1);
    }

    @Override
    protected void hookOnNext(OutboundFrame frame) {
        frames++;
        bytes += frame.payload().length;
        request(1);
    }
}
