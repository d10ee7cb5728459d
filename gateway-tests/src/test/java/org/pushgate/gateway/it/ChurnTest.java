package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pushgate.gateway.it.Profiles.UNLIMITED_BURST;
import static org.pushgate.gateway.it.Profiles.UNLIMITED_COMMANDS;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.TestClient;

import reactor.core.publisher.Flux;

/**
 * Connection churn: many clients connect, subscribe and vanish with a TCP reset, 200 at a time. Afterwards
 * nothing is left (gauges at zero) and the heap after a full GC is where it was before.
 */
@GatewayTest({UNLIMITED_COMMANDS, UNLIMITED_BURST})
class ChurnTest {

    private static final int WARM_UP = 1_000;
    private static final int CYCLES = 10_000;
    private static final int CONCURRENCY = 200;
    private static final int CHANNELS = 100;
    /** Heap growth tolerated across 10,000 cycles: allocator and JIT noise, far below a leak's ~kB per cycle. */
    private static final long HEAP_TOLERANCE = 16L << 20;

    private final GatewayProbe gateway;

    ChurnTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void tenThousandConnectSubscribeResetCyclesLeaveNothingBehindAndTheHeapFlat() {
        double resetsBefore = gateway.disconnects("reset");
        cycles(WARM_UP); // JIT, pools, caches: what a steady state holds, before measuring
        gateway.awaitIdle(Duration.ofSeconds(10));
        long heapBefore = usedHeapAfterFullGc();

        long start = System.nanoTime();
        cycles(CYCLES);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        gateway.awaitIdle(Duration.ofSeconds(10));
        long heapAfter = usedHeapAfterFullGc();

        System.out.printf("churn: %d connect/subscribe/reset cycles (%d at a time) in %d ms (%.0f/s); "
                        + "used heap after full GC: before %,d bytes (%.1f MiB), after %,d bytes (%.1f MiB), delta %+,d bytes%n",
                CYCLES, CONCURRENCY, took.toMillis(), CYCLES * 1000.0 / Math.max(1, took.toMillis()),
                heapBefore, heapBefore / 1048576.0, heapAfter, heapAfter / 1048576.0, heapAfter - heapBefore);
        assertThat(heapAfter - heapBefore).as("heap growth in bytes").isLessThan(HEAP_TOLERANCE);
        Eventually.await(Duration.ofSeconds(5), () -> "every cycle counted as a reset, got "
                        + (gateway.disconnects("reset") - resetsBefore),
                () -> gateway.disconnects("reset") - resetsBefore == WARM_UP + CYCLES);
    }

    private void cycles(int n) {
        AtomicInteger done = new AtomicInteger();
        Flux.range(0, n)
                .flatMap(i -> TestClient.open(gateway.ws("channel=churn-" + (i % CHANNELS)))
                        .flatMap(client -> client.next(f -> Json.isOp(f, "subscribed"))
                                .doOnNext(subscribed -> client.abort())
                                .then(client.closed()))
                        .timeout(Duration.ofSeconds(30))
                        .doOnSuccess(v -> done.incrementAndGet()), CONCURRENCY)
                .then()
                .block(Duration.ofMinutes(3));
        assertThat(done.get()).isEqualTo(n);
    }

    private static long usedHeapAfterFullGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
