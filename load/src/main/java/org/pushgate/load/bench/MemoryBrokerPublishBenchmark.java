package org.pushgate.load.bench;

import java.time.Duration;
import java.util.Map;
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
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.broker.Engines;
import org.pushgate.gateway.broker.HistoryPolicy;
import org.pushgate.gateway.hub.HubEvents;
import org.pushgate.gateway.hub.LocalHub;
import org.pushgate.gateway.hub.SubscriberBuffer;

import io.netty.util.concurrent.ImmediateEventExecutor;
import reactor.core.scheduler.Schedulers;

/**
 * One publish through the embedded engine to a channel of one draining subscriber: the offset assigned under the
 * stream's lock, the message kept in history (or not: size 0), handed to the hub and fanned out. With history on
 * and off, the difference is what keeping history costs per publish.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MemoryBrokerPublishBenchmark {

    private static final String CHANNEL = "bench";

    /** Messages kept per channel: 0 is history off (positions are still kept). */
    @Param({"0", "100"})
    public int history;

    @Param({"100"})
    public int payloadBytes;

    private Broker broker;
    private LocalHub hub;
    private DrainingSubscriber consumer;
    private byte[] payload;
    private long publishes;

    @Setup(Level.Trial)
    public void setUp() {
        hub = new LocalHub(HubEvents.NONE);
        broker = Engines.memory(hub, new HistoryPolicy(history, Duration.ofHours(1), Map.of()), 64L << 20,
                Schedulers.immediate(), reason -> {
                    throw new IllegalStateException("a stream was dropped during the run: " + reason);
                });
        SubscriberBuffer buffer = new SubscriberBuffer(DrainingSubscriber.BUFFERS, DrainingSubscriber.NEVER_CUT,
                ImmediateEventExecutor.INSTANCE);
        consumer = new DrainingSubscriber();
        buffer.frames().subscribe(consumer);
        hub.subscribe(CHANNEL, buffer);
        payload = HubPublishBenchmark.payload(payloadBytes);
    }

    @Benchmark
    public long publish() {
        publishes++;
        return broker.publish(CHANNEL, payload).block().position().offset();
    }

    @TearDown(Level.Trial)
    public void checkEveryFrameArrived() {
        if (consumer.frames != publishes) {
            throw new IllegalStateException("the subscriber got " + consumer.frames + " frames of " + publishes);
        }
        consumer.dispose();
    }
}
