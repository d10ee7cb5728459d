package org.pushgate.load.bench;

import org.pushgate.gateway.protocol.OutboundFrame;
import org.reactivestreams.Subscription;

import reactor.core.publisher.BaseSubscriber;

/**
 * Stands in for a connection pipeline in the benchmarks: consumes a {@code SubscriberBuffer}'s frames on the
 * publishing thread, one at a time (request 1 per frame, as the gateway's merge with prefetch 1 does), and counts
 * them so that a benchmark can check every frame arrived.
 */
final class DrainingSubscriber extends BaseSubscriber<OutboundFrame> {

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
