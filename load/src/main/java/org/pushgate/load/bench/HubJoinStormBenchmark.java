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
import org.openjdk.jmh.annotations.Warmup;
import org.pushgate.gateway.hub.HubEvents;
import org.pushgate.gateway.hub.LocalHub;
import org.pushgate.gateway.hub.SubscriberBuffer;

import io.netty.util.concurrent.ImmediateEventExecutor;

/**
 * A join storm: {@code subscribers} buffers join one empty channel, then all leave it again (the channel is created
 * by the first and removed with the last), as when every client of a large channel reconnects after a deploy. The
 * score is the whole storm; divided by 2 x subscribers it is the mean cost of one join or leave, which stays flat
 * when joining and leaving are O(1) and grows with the storm's size when they copy the channel.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(1)
public class HubJoinStormBenchmark {

    private static final String CHANNEL = "storm";

    @Param({"1000", "19000"})
    public int subscribers;

    private SubscriberBuffer[] buffers;

    @Setup(Level.Trial)
    public void setUp() {
        buffers = new SubscriberBuffer[subscribers];
        for (int i = 0; i < subscribers; i++) {
            buffers[i] = new SubscriberBuffer(DrainingSubscriber.BUFFERS, DrainingSubscriber.NEVER_CUT,
                    ImmediateEventExecutor.INSTANCE);
        }
    }

    @Benchmark
    public long joinAllThenLeaveAll() {
        LocalHub hub = new LocalHub(HubEvents.NONE);
        for (SubscriberBuffer buffer : buffers) {
            hub.subscribe(CHANNEL, buffer);
        }
        long joined = hub.subscriptionCount();
        for (SubscriberBuffer buffer : buffers) {
            hub.unsubscribe(CHANNEL, buffer);
        }
        if (joined != subscribers || hub.subscriptionCount() != 0 || hub.channelCount() != 0) {
            throw new IllegalStateException("the storm left " + hub.subscriptionCount() + " subscriptions");
        }
        return joined;
    }
}
