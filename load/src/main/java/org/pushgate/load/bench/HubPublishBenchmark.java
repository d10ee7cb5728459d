package org.pushgate.load.bench;

import java.nio.charset.StandardCharsets;
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
 * One publish to a channel of N subscribers: the message frame is encoded once and offered to N subscriber
 * buffers, each drained at once by a {@link DrainingSubscriber} on the same thread. So the score is the hub's
 * whole fan-out cost per publish (serialized sink, bounded queue, drain, request(1)), without the socket
 * writes; divide by N for the cost per delivery.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HubPublishBenchmark {

    private static final String CHANNEL = "bench";

    @Param({"1", "100", "10000"})
    public int subscribers;

    /** Size of the published JSON payload in bytes (the fan-out shares one frame, so size matters little). */
    @Param({"100"})
    public int payloadBytes;

    private LocalHub hub;
    private DrainingSubscriber[] consumers;
    private byte[] payload;
    private static final String EPOCH = "bench";
    private long publishes;

    @Setup(Level.Trial)
    public void setUp() {
        hub = new LocalHub(HubEvents.NONE);
        consumers = new DrainingSubscriber[subscribers];
        for (int i = 0; i < subscribers; i++) {
            SubscriberBuffer buffer = new SubscriberBuffer(DrainingSubscriber.BUFFERS, DrainingSubscriber.NEVER_CUT,
                    ImmediateEventExecutor.INSTANCE);
            DrainingSubscriber consumer = new DrainingSubscriber();
            buffer.frames().subscribe(consumer);
            hub.subscribe(CHANNEL, buffer);
            consumers[i] = consumer;
        }
        payload = payload(payloadBytes);
    }

    static byte[] payload(int size) {
        // {"d":"xxx..."}: valid compact JSON of exactly size bytes (at least 8).
        StringBuilder json = new StringBuilder("{\"d\":\"");
        while (json.length() < Math.max(size, 8) - 2) {
            json.append('x');
        }
        return json.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** One message at the next offset, as the broker hands it over (the broker's own cost is not measured here). */
    @Benchmark
    public Integer publish() {
        publishes++;
        return hub.deliver(CHANNEL, EPOCH, publishes, payload).block();
    }

    @TearDown(Level.Trial)
    public void checkEveryFrameArrived() {
        for (DrainingSubscriber consumer : consumers) {
            if (consumer.frames != publishes) {
                throw new IllegalStateException("a subscriber got " + consumer.frames + " frames of " + publishes);
            }
            consumer.dispose();
        }
        if (hub.subscriptionCount() != subscribers) {
            throw new IllegalStateException("subscriptions changed during the run: " + hub.subscriptionCount());
        }
    }
}
