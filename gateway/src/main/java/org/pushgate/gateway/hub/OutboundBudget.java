package org.pushgate.gateway.hub;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process-wide fence over the bytes queued in every subscriber buffer
 * ({@code gateway.outbound.max-total-queued-bytes}). Each buffer bounds itself; this bounds their sum, which
 * otherwise grows with the number of stalled subscribers. When the sum passes the fence, one reclaim pass (never
 * two at once, never on the offering thread) cuts the buffers holding the most until the sum would be back under
 * three quarters of the fence, each counted as {@link HubEvents.DropReason#OUTBOUND_MEMORY}. Cutting the biggest
 * first frees the most memory for the fewest clients, and they are the ones furthest behind.
 */
public final class OutboundBudget {

    private static final Logger log = LoggerFactory.getLogger(OutboundBudget.class);

    private static final long PASS_GAP_NANOS = 20_000_000L;

    private final long limit;
    private final AtomicLong queued = new AtomicLong();
    private final AtomicBoolean reclaiming = new AtomicBoolean();
    private final Supplier<? extends Collection<SubscriberBuffer>> holders;
    private final Executor reclaimer;
    private volatile long lastPassNanos = System.nanoTime() - PASS_GAP_NANOS;

    /**
     * @param holders   every live buffer (the connections' own), read only by a reclaim pass
     * @param reclaimer where a reclaim pass runs (a worker thread, not an event loop)
     */
    public OutboundBudget(long limit, Supplier<? extends Collection<SubscriberBuffer>> holders, Executor reclaimer) {
        if (limit < 1) {
            throw new IllegalArgumentException("the outbound fence must be positive, was " + limit);
        }
        this.limit = limit;
        this.holders = holders;
        this.reclaimer = reclaimer;
    }

    void add(long bytes) {
        // While over the fence every add would ask for a pass: one at a time, and at most one per PASS_GAP, since a
        // pass reads every buffer and cut buffers free their bytes only when their pipelines end.
        if (queued.addAndGet(bytes) > limit && System.nanoTime() - lastPassNanos >= PASS_GAP_NANOS
                && reclaiming.compareAndSet(false, true)) {
            try {
                reclaimer.execute(this::reclaim);
            }
            catch (RejectedExecutionException shuttingDown) {
                reclaiming.set(false); // nothing left to protect
            }
        }
    }

    void remove(long bytes) {
        queued.addAndGet(-bytes);
    }

    /** Bytes queued in every buffer now. */
    public long queuedBytes() {
        return queued.get();
    }

    public long limit() {
        return limit;
    }

    /** @return how many subscribers this pass cut */
    int reclaim() {
        try {
            // Buffers cut earlier free their bytes when their pipelines end: count them as freed already, or a
            // second pass right after the first would cut innocent subscribers for memory that is on its way out.
            List<SubscriberBuffer> candidates = new ArrayList<>();
            long leaving = 0;
            for (SubscriberBuffer buffer : holders.get()) {
                if (buffer.wasCut()) {
                    leaving += buffer.queuedBytes();
                }
                else {
                    candidates.add(buffer);
                }
            }
            long excess = queued.get() - leaving - limit * 3 / 4;
            if (excess <= 0) {
                return 0;
            }
            // Sizes move while we sort: sort a snapshot of them, not the live values.
            long[] sizes = new long[candidates.size()];
            Integer[] order = new Integer[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                sizes[i] = candidates.get(i).queuedBytes();
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparingLong((Integer i) -> sizes[i]).reversed());
            int cut = 0;
            long freed = 0;
            for (Integer i : order) {
                if (freed >= excess || sizes[i] == 0) {
                    break;
                }
                if (candidates.get(i).cut(HubEvents.DropReason.OUTBOUND_MEMORY)) {
                    cut++;
                    freed += sizes[i];
                }
            }
            log.warn("outbound fence: {} bytes queued over a limit of {}; cut the {} subscriber(s) holding the most ({} bytes)",
                    queued.get(), limit, cut, freed);
            return cut;
        }
        finally {
            lastPassNanos = System.nanoTime();
            reclaiming.set(false);
        }
    }
}
