package org.pushgate.gateway.broker;

import java.security.SecureRandom;

/** New stream epochs: 64 random bits, base 36 (so an epoch never repeats across restarts or evictions). */
final class Epochs {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Epochs() {
    }

    static String next() {
        return Long.toUnsignedString(RANDOM.nextLong(), 36);
    }

    private static final long SEED = RANDOM.nextLong();
    private static final java.util.concurrent.atomic.AtomicLong COUNTER = new java.util.concurrent.atomic.AtomicLong();

    /**
     * An epoch for a stream that may be new: the Redis broker sends one with every publish and read, used only if
     * the stream's meta is missing. A random seed per process and a counter through Murmur3's finalizer: as unique
     * as {@link #next()} across processes, without touching the SecureRandom (and its locks) on every publish.
     */
    static String candidate() {
        long h = SEED + COUNTER.incrementAndGet() * 0x9E3779B97F4A7C15L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return Long.toUnsignedString(h, 36);
    }
}
