package org.pushgate.gateway.broker;

import java.util.concurrent.ThreadLocalRandom;

/**
 * New stream epochs: 64 random bits, base 36. An epoch only has to differ from every earlier one of the same
 * channel (across restarts and evictions), not to be secret, so ThreadLocalRandom (seeded per thread from the
 * clocks) is enough; SecureRandom would read /dev/urandom on the publishing event loop.
 */
final class Epochs {

    private Epochs() {
    }

    static String next() {
        return Long.toUnsignedString(ThreadLocalRandom.current().nextLong() ^ System.nanoTime(), 36);
    }

    /**
     * An epoch for a stream that may be new: the Redis broker sends one with every publish and read, used only if
     * the stream's meta is missing. As cheap as {@link #next()} (no SecureRandom on the publishing loop).
     */
    static String candidate() {
        return next();
    }
}
