package org.pushgate.load.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.Map;

import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.broker.Engines;
import org.pushgate.gateway.broker.HistoryPolicy;
import org.pushgate.gateway.hub.HubEvents;
import org.pushgate.gateway.hub.LocalHub;

import reactor.core.scheduler.Schedulers;

/**
 * Bytes per stored message in the memory engine, measured: the heap used after a full GC before and after
 * publishing {@code channels x perChannel} messages (each with its own payload array, as real publishes have) into
 * history of that size, so that nothing is trimmed; no subscriber. Prints, per payload size, the heap per message,
 * what is left of it above the payload array itself, and what the engine charges against
 * {@code gateway.history.memory.max-bytes} for it (data + 48 B, 256 B per stream). A measurement, not a benchmark
 * of speed; run it on a quiet JVM with a fixed heap and a simple collector:
 *
 * <pre>
 * ./mvnw -q -B -pl load -am -DskipTests package
 * java -Xms1g -Xmx1g -XX:+UseSerialGC -cp load/target/load-gen.jar org.pushgate.load.bench.StoredMessageBytes [channels perChannel sizes...]
 * </pre>
 */
public final class StoredMessageBytes {

    private StoredMessageBytes() {
    }

    public static void main(String[] args) throws InterruptedException {
        int channels = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        int perChannel = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int[] sizes = {16, 100, 1_000};
        if (args.length > 2) {
            sizes = new int[args.length - 2];
            for (int i = 2; i < args.length; i++) {
                sizes[i - 2] = Integer.parseInt(args[i]);
            }
        }
        measure(channels, perChannel, 100); // warm-up: classes loaded, code compiled, before anything is counted
        for (int size : sizes) {
            measure(channels, perChannel, size);
        }
    }

    private static void measure(int channels, int perChannel, int payloadBytes) throws InterruptedException {
        long messages = (long) channels * perChannel;
        LocalHub hub = new LocalHub(HubEvents.NONE);
        Broker broker = Engines.memory(hub, new HistoryPolicy(perChannel, Duration.ofHours(1), Map.of()), Long.MAX_VALUE,
                Schedulers.immediate(), reason -> {
                    throw new IllegalStateException("a stream was dropped during the measurement: " + reason);
                });
        String[] names = new String[channels];
        for (int c = 0; c < channels; c++) {
            names[c] = "bytes:" + c;
        }
        // One publish per stream first: the streams' own cost, measured apart from the messages'.
        long empty = usedAfterGc();
        for (String name : names) {
            broker.publish(name, HubPublishBenchmark.payload(payloadBytes)).block();
        }
        long withStreams = usedAfterGc();
        for (int n = 1; n < perChannel; n++) {
            for (String name : names) {
                broker.publish(name, HubPublishBenchmark.payload(payloadBytes)).block();
            }
        }
        long full = usedAfterGc();
        long top = broker.history(names[0], 0, 0).block().top().offset();
        if (top != perChannel) {
            throw new IllegalStateException("stream at offset " + top + ", expected " + perChannel);
        }
        double perMessage = (double) (full - withStreams) / (messages - channels);
        long array = align(16 + payloadBytes);
        double perStream = (double) (withStreams - empty) / channels - perMessage;
        System.out.printf("payload %5d B: %,d messages on %,d channels: heap %.1f B/message (payload array %d B, "
                        + "overhead %.1f B), %.0f B/stream beyond its first message; the engine charges %d B/message, %d B/stream%n",
                payloadBytes, messages, channels, perMessage, array, perMessage - array, perStream, payloadBytes + 48, 256);
        if (broker.history(names[channels - 1], 0, 1).block() == null) {
            throw new IllegalStateException("unreachable: keeps the broker alive until the last measurement");
        }
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }

    private static long usedAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
