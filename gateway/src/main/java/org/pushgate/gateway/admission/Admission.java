package org.pushgate.gateway.admission;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The 503 valve. An upgrade asks for a {@link Ticket} before anything is allocated for it; a ticket is a
 * reserved slot under the global and the per-address limits, returned exactly once when its connection is
 * released (or its upgrade fails). While the node drains for shutdown every request is refused.
 */
public final class Admission {

    /** Why an upgrade was refused; the tag of {@code gateway_connections_rejected_total{reason}}. */
    public enum Rejection {
        MAX_CONNECTIONS("max_connections", 5, 503),
        MAX_CONNECTIONS_PER_ADDRESS("max_connections_per_address", 10, 503),
        SHUTTING_DOWN("shutting_down", 5, 503),
        /** Over gateway.limits.connections-per-second-per-address: 429. */
        CONNECTION_RATE("connection_rate", 1, 429),
        /** A browser upgrade from an origin not in gateway.allowed-origins: 403, no Retry-After. */
        FORBIDDEN_ORIGIN("forbidden_origin", 0, 403);

        private final String tag;
        private final int retryAfterSeconds;
        private final int status;

        Rejection(String tag, int retryAfterSeconds, int status) {
            this.tag = tag;
            this.retryAfterSeconds = retryAfterSeconds;
            this.status = status;
        }

        public int status() {
            return status;
        }

        public String tag() {
            return tag;
        }

        public int retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    /** Either a ticket or the reason there is none. */
    public record Decision(Ticket ticket, Rejection rejection) {
        public boolean admitted() {
            return ticket != null;
        }
    }

    private final int maxConnections;
    private final int maxPerAddress;
    private final AtomicInteger admitted = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private volatile boolean draining;

    private final ConnectionRate rate;

    /**
     * @param maxPerAddress 0 for no per-address limit
     * @param rate new connections per second per address, or null for no rate limit
     */
    public Admission(int maxConnections, int maxPerAddress, ConnectionRate rate) {
        this.maxConnections = maxConnections;
        this.maxPerAddress = maxPerAddress;
        this.rate = rate;
    }

    public Decision tryAdmit(String address) {
        if (draining) {
            return new Decision(null, Rejection.SHUTTING_DOWN);
        }
        if (rate != null && !rate.tryAcquire(address)) {
            return new Decision(null, Rejection.CONNECTION_RATE);
        }
        int current;
        do {
            current = admitted.get();
            if (current >= maxConnections) {
                return new Decision(null, Rejection.MAX_CONNECTIONS);
            }
        } while (!admitted.compareAndSet(current, current + 1));
        if (maxPerAddress > 0 && !reserveAddress(address)) {
            admitted.decrementAndGet();
            return new Decision(null, Rejection.MAX_CONNECTIONS_PER_ADDRESS);
        }
        return new Decision(new Ticket(maxPerAddress > 0 ? address : null), null);
    }

    private boolean reserveAddress(String address) {
        boolean[] ok = new boolean[1];
        perAddress.compute(address, (key, count) -> {
            AtomicInteger c = count != null ? count : new AtomicInteger();
            ok[0] = c.get() < maxPerAddress;
            if (ok[0]) {
                c.incrementAndGet();
            }
            return c.get() == 0 ? null : c;
        });
        return ok[0];
    }

    private void releaseAddress(String address) {
        perAddress.computeIfPresent(address, (key, count) -> count.decrementAndGet() == 0 ? null : count);
    }

    /** From now on every upgrade is refused with {@link Rejection#SHUTTING_DOWN}. */
    public void drain() {
        draining = true;
    }

    /** Accepts upgrades again (a stopped context that is started again). */
    public void resume() {
        draining = false;
    }

    public boolean draining() {
        return draining;
    }

    public int admitted() {
        return admitted.get();
    }

    public int maxConnections() {
        return maxConnections;
    }

    /** Addresses currently holding at least one slot (empty when no per-address limit is set). */
    public int trackedAddresses() {
        return perAddress.size();
    }

    /**
     * One reserved connection slot, taken before an upgrade and owned from then on by exactly one party. Its
     * state moves once, by compare-and-set, from {@code PENDING} to {@code STARTED} (a connection pipeline took
     * it; that connection returns it when it terminates) or to {@code RELEASED} (the handshake failed or was
     * given up before any pipeline started). A pipeline that starts after the give-up finds the ticket released
     * and must not serve the socket: the slot is already free again, so the connection would run without it.
     */
    public final class Ticket {
        private static final int PENDING = 0;
        private static final int STARTED = 1;
        private static final int RELEASED = 2;

        private final String address;
        private final AtomicInteger state = new AtomicInteger(PENDING);

        private Ticket(String address) {
            this.address = address;
        }

        /**
         * Hands the slot to the connection pipeline that is starting.
         *
         * @return false when the ticket was already given up: the caller must close the socket at once
         */
        public boolean start() {
            return state.compareAndSet(PENDING, STARTED);
        }

        /**
         * Returns the slot unless a pipeline took it (that pipeline's terminate returns it). For the handshake's
         * failure and deadline paths; safe to call any number of times, before or after {@link #start()}.
         *
         * @return true when this call freed the slot
         */
        public boolean giveUp() {
            return state.compareAndSet(PENDING, RELEASED) && free();
        }

        /** Returns the slot, whoever holds it; idempotent. The connection's terminate calls this. */
        public boolean release() {
            int current;
            do {
                current = state.get();
                if (current == RELEASED) {
                    return false;
                }
            } while (!state.compareAndSet(current, RELEASED));
            return free();
        }

        private boolean free() {
            if (address != null) {
                releaseAddress(address);
            }
            admitted.decrementAndGet();
            return true;
        }
    }
}
