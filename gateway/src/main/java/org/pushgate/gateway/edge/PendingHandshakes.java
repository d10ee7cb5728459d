package org.pushgate.gateway.edge;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Accepted sockets that have not finished their handshake yet (no complete request head, or an upgrade not yet
 * answered), in total and per client address, so that a slowloris from one address cannot crowd out everyone
 * else. An address is listed only while it has at least one such socket.
 */
public final class PendingHandshakes {

    private final int maxPerAddress;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    /** @param maxPerAddress 0 for no per-address cap (the total is counted anyway) */
    public PendingHandshakes(int maxPerAddress) {
        this.maxPerAddress = maxPerAddress;
    }

    /** @return false when the address already has its cap of pending handshakes; nothing is counted then */
    boolean tryEnter(InetAddress address) {
        if (maxPerAddress > 0 && address != null) {
            boolean[] entered = new boolean[1];
            perAddress.compute(address, (key, count) -> {
                AtomicInteger c = count != null ? count : new AtomicInteger();
                entered[0] = c.get() < maxPerAddress;
                if (entered[0]) {
                    c.incrementAndGet();
                }
                return c.get() == 0 ? null : c;
            });
            if (!entered[0]) {
                return false;
            }
        }
        total.incrementAndGet();
        return true;
    }

    /** Once per successful {@link #tryEnter}, with the same address. */
    void leave(InetAddress address) {
        if (maxPerAddress > 0 && address != null) {
            perAddress.computeIfPresent(address, (key, count) -> count.decrementAndGet() == 0 ? null : count);
        }
        total.decrementAndGet();
    }

    /** Handshakes in progress now. */
    public int pending() {
        return total.get();
    }

    /** Addresses with at least one handshake in progress (0 when there is no per-address cap). */
    public int trackedAddresses() {
        return perAddress.size();
    }
}
