package org.pushgate.load.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pushgate.gateway.hub.HubEvents;
import org.pushgate.gateway.hub.LocalHub;
import org.pushgate.gateway.hub.SubscriberBuffer;

import io.netty.util.concurrent.ImmediateEventExecutor;

/**
 * Subscribe/unsubscribe churn on a channel that already has {@code existing} other subscribers (0: the channel is
 * created by the subscribe and removed by the unsubscribe). Both should cost the same whatever the channel's size
 * (O(1) amortized: an identity map under the key's lock, a swap-remove in the loop's array); until issue 14 they
 * copied a copy-on-write array and grew linearly with it. The subscribers' executor runs each task at once, so the
 * score includes the loop's side of the join and the leave.
 *
 * <ul>
 *   <li>{@code subscribeUnsubscribe}: one buffer joins and leaves the channel (two hub operations);</li>
 *   <li>{@code connectionLifecycle}: what one short-lived connection costs the hub: a new bounded buffer, its
 *       frames subscribed by a consumer, subscribe, unsubscribe, consumer cancelled.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HubSubscriptionBenchmark {

    private static final String CHANNEL = "bench";

    @Param({"0", "10", "100", "10000", "100000"})
    public int existing;

    private LocalHub hub;
    private SubscriberBuffer reused;

    @Setup(Level.Trial)
    public void setUp() {
        hub = new LocalHub(HubEvents.NONE);
        for (int i = 0; i < existing; i++) {
            SubscriberBuffer other = newBuffer();
            other.frames().subscribe(new DrainingSubscriber());
            hub.subscribe(CHANNEL, other);
        }
        reused = newBuffer();
        reused.frames().subscribe(new DrainingSubscriber());
    }

    private static SubscriberBuffer newBuffer() {
        return new SubscriberBuffer(DrainingSubscriber.BUFFERS, DrainingSubscriber.NEVER_CUT, ImmediateEventExecutor.INSTANCE);
    }

    @Benchmark
    public boolean subscribeUnsubscribe() {
        hub.subscribe(CHANNEL, reused);
        return hub.unsubscribe(CHANNEL, reused);
    }

    @Benchmark
    public boolean connectionLifecycle() {
        SubscriberBuffer buffer = newBuffer();
        DrainingSubscriber consumer = new DrainingSubscriber();
        buffer.frames().subscribe(consumer);
        hub.subscribe(CHANNEL, buffer);
        boolean removed = hub.unsubscribe(CHANNEL, buffer);
        consumer.dispose();
        return removed;
    }

    @TearDown(Level.Trial)
    public void checkNothingLeft() {
        if (hub.subscriptionCount() != existing || hub.channelCount() != (existing == 0 ? 0 : 1)) {
            throw new IllegalStateException("churn left " + hub.subscriptionCount() + " subscriptions in "
                    + hub.channelCount() + " channels");
        }
    }
}
