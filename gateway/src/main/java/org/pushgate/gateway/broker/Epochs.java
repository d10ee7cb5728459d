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
}
