package org.pushgate.gateway.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.Test;

/**
 * The wait after each warm-up round for the JIT compilers to catch up ({@code gateway.warmup.settle}), against a
 * scripted compile-time counter and a recorded sleep, so no test waits: it ends at the first quiet slice, never
 * outlasts its bound, and never waits when it is off, when the JVM does not report compile time, or once the context
 * closes.
 */
class WarmupSettleTest {

    private final List<Long> slept = new ArrayList<>();
    private final Warmup warmup = new Warmup(null, null, null, () -> 0, () -> -1, () -> 0);

    /** Compile time that grows by the given milliseconds at each read after the first. */
    private static LongSupplier compiling(long... perSlice) {
        long[] total = {1_000};
        int[] reads = {0};
        return () -> {
            int i = reads[0]++;
            if (i > 0) {
                total[0] += i - 1 < perSlice.length ? perSlice[i - 1] : 0;
            }
            return total[0];
        };
    }

    @Test
    void endsAtTheFirstSliceWithLittleCompiling() {
        long waited = warmup.settle(compiling(200, 150, 40, 3), 3_000, slept::add);

        assertThat(slept).containsExactly(250L, 250L, 250L, 250L);
        assertThat(waited).isEqualTo(1_000);
    }

    @Test
    void compilingJustAtTheThresholdIsNotQuiet() {
        long waited = warmup.settle(compiling(Warmup.SETTLE_QUIET_MS, Warmup.SETTLE_QUIET_MS - 1), 3_000, slept::add);

        assertThat(waited).isEqualTo(500);
    }

    @Test
    void neverOutlastsItsBoundWhileTheCompilersStayBusy() {
        long[] total = {0};
        long waited = warmup.settle(() -> total[0] += 100, 1_100, slept::add); // 100 ms of compiling a slice

        assertThat(slept).containsExactly(250L, 250L, 250L, 250L, 100L);
        assertThat(waited).isEqualTo(1_100);
    }

    @Test
    void noWaitWhenOffOrUnreported() {
        assertThat(warmup.settle(compiling(500), 0, slept::add)).isZero();
        assertThat(warmup.settle(() -> -1, 3_000, slept::add)).isZero();
        assertThat(slept).isEmpty();
    }

    @Test
    void noWaitOnceTheContextCloses() {
        warmup.destroy();

        assertThat(warmup.settle(compiling(500, 500), 3_000, slept::add)).isZero();
        assertThat(slept).isEmpty();
    }
}
