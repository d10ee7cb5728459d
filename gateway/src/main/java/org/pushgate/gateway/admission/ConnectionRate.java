package org.pushgate.gateway.admission;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * New connections per second per client address (token bucket), against reconnect storms: a burst of
 * {@code 2 x perSecond}, then {@code perSecond} a second. Buckets live only while they are not full: a
 * bucket that has refilled completely is dropped on the next pass, so idle addresses cost nothing and the
 * map is bounded by the addresses active in the last couple of seconds.
 */
public final class ConnectionRate {

    private static final class Bucket {
        double tokens;
        long refilledAt;

        Bucket(double tokens, long refilledAt) {
            this.tokens = tokens;
            this.refilledAt = refilledAt;
        }
    }

    private final double perSecond;
    private final double burst;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private long lastPrune;

    public ConnectionRate(int perSecond, LongSupplier nanoClock) {
        this.perSecond = perSecond;
        this.burst = 2.0 * perSecond;
        this.nanoClock = nanoClock;
        this.lastPrune = nanoClock.getAsLong();
    }

    public boolean tryAcquire(String address) {
        long now = nanoClock.getAsLong();
        boolean[] allowed = new boolean[1];
        buckets.compute(address, (key, bucket) -> {
            Bucket b = bucket != null ? bucket : new Bucket(burst, now);
            b.tokens = Math.min(burst, b.tokens + (now - b.refilledAt) / 1e9 * perSecond);
            b.refilledAt = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                allowed[0] = true;
            }
            return b;
        });
        pruneNow(now);
        return allowed[0];
    }

    private void pruneNow(long now) {
        if (now - lastPrune < 1_000_000_000L) {
            return;
        }
        lastPrune = now; // a racing second pruner only repeats harmless work
        buckets.entrySet().removeIf(e -> {
            Bucket b = e.getValue();
            return b.tokens + (now - b.refilledAt) / 1e9 * perSecond >= burst;
        });
    }

    public int trackedAddresses() {
        return buckets.size();
    }
}
