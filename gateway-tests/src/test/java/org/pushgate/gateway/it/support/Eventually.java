package org.pushgate.gateway.it.support;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Polls a condition until it holds or a deadline passes; the tests' only way to wait for a state. Every
 * wait is bounded in time, and the failure message says what was awaited and what was last seen.
 */
public final class Eventually {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private Eventually() {
    }

    /** Waits until {@code condition} is true; fails with {@code what} after {@code within}. */
    public static void await(Duration within, String what, BooleanSupplier condition) {
        await(within, () -> what, condition);
    }

    /** Like {@link #await(Duration, String, BooleanSupplier)}; the message is built only on failure. */
    public static void await(Duration within, Supplier<String> what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + within + ": " + what.get());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Like {@link #await(Duration, String, BooleanSupplier)}, but returns false instead of failing. */
    public static boolean within(Duration within, BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        return true;
    }
}
