package org.pushgate.gateway.edge;

import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The descriptor budget of the client-facing server: every accepted socket holds one slot from the moment it is
 * accepted until it closes, whatever it turns out to be (a WebSocket, an HTTP request, a handshake that never
 * finishes). Past the budget a new socket is answered 503 and closed at once, so the process never reaches its
 * open-file limit: at that limit {@code accept()} itself fails and Netty's acceptor pauses, and then nothing
 * is answered at all, health and metrics included.
 *
 * <p>The budget sits below the upgrade's 503 valve ({@code gateway.limits.max-connections}) and is larger than
 * it, so that while nobody attacks, a WebSocket client over the connection limit gets the documented 503 with
 * Retry-After from admission instead of a closed socket here.
 */
public final class SocketBudget {

    private static final Logger log = LoggerFactory.getLogger(SocketBudget.class);

    private final int limit;
    private final AtomicInteger open = new AtomicInteger();

    public SocketBudget(int limit) {
        this.limit = limit;
    }

    /**
     * @param configured gateway.limits.max-sockets (0 = derive)
     * @param fileLimit the open-file limit, -1 when unknown
     * @param reserved gateway.limits.reserved-file-descriptors: the connection limit keeps all of them free, this
     *                 budget half of them (the other half is for sockets past the connection limit: handshakes in
     *                 progress, HTTP requests, refusals)
     * @param maxConnections the connection limit in force
     */
    public static int resolve(int configured, long fileLimit, int reserved, int maxConnections) {
        int derived;
        if (fileLimit <= 0) {
            derived = (int) Math.min(Integer.MAX_VALUE, (long) maxConnections + Math.max(1, reserved / 2));
        } else {
            derived = (int) Math.max(1, Math.min(Integer.MAX_VALUE, fileLimit - reserved / 2));
        }
        int budget = derived;
        if (configured > 0 && configured <= derived) {
            budget = configured;
        } else if (configured > derived) {
            log.warn("gateway.limits.max-sockets={} exceeds what the open-file limit {} allows (minus half of {} reserved "
                    + "descriptors): lowered to {}", configured, fileLimit, reserved, derived);
        }
        if (budget <= maxConnections) {
            log.warn("gateway.limits.max-sockets={} is not above the connection limit {}: WebSocket clients may find "
                    + "their socket closed (503 at accept) before admission can answer them 503 with Retry-After",
                    budget, maxConnections);
        }
        log.info("socket budget {} (connection limit {}, open-file limit {})", budget, maxConnections, fileLimit);
        return budget;
    }

    /** @return true when the socket got a slot; the caller releases it exactly once, when the socket closes */
    boolean tryAcquire() {
        int current;
        do {
            current = open.get();
            if (current >= limit) {
                return false;
            }
        } while (!open.compareAndSet(current, current + 1));
        return true;
    }

    void release() {
        open.decrementAndGet();
    }

    /** Accepted sockets holding a slot now. */
    public int open() {
        return open.get();
    }

    public int limit() {
        return limit;
    }
}
