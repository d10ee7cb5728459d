package org.pushgate.gateway;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Three short internal locks that Reactor's and Netty's own BlockHound integrations do not list yet, and that
 * this gateway takes on its event loops under load:
 * <ul>
 *   <li>Disposing a periodic scheduler task ({@code Flux.interval}: {@code PeriodicWorkerTask},
 *       {@code PeriodicSchedulerTask}, {@code InstantPeriodicWorkerTask}) removes it from the scheduler's
 *       work queue under that queue's lock. Reactor allows exactly this for {@code WorkerTask} and
 *       {@code SchedulerTask}; the gateway cancels two periodic timers per closed connection.</li>
 *   <li>Netty 4.2's default {@code AdaptivePoolingAllocator} takes a magazine's write lock when it frees or
 *       grows its magazines ({@code Magazine.free}, {@code MagazineGroup.free}); Netty allows its other
 *       allocator locks.</li>
 *   <li>Lettuce (6.8.x) guards every command write with {@code io.lettuce.core.protocol.SharedLock}, whose
 *       state guard is a {@code ReentrantLock}: {@code incrementWriters} (each write, from whichever thread
 *       writes: our event loops, the subscription worker) and {@code doExclusive} (channel active/inactive,
 *       close) take it briefly; Lettuce has no BlockHound integration. Here a throw is fatal in a worse way:
 *       {@code DefaultEndpoint.write} calls {@code incrementWriters} inside its {@code try} and
 *       {@code decrementWriters} in the {@code finally}, so a BlockHound error thrown by the contended
 *       {@code lock()} decrements a count that was never incremented. The writer count goes negative and stays
 *       so; every later write and the connection's {@code closeAsync} then busy-spin forever in
 *       {@code SharedLock} (seen as a full build hung in {@code RedisShard.stop} for 18 minutes).</li>
 * </ul>
 * Without these entries BlockHound does worse than raise a false alarm: it throws from inside the lock's
 * {@code acquire}, which in JDK 17 leaves the failed waiter queued, so the lock's next release wakes a thread
 * that is no longer waiting and every later thread parks forever. Seen here as a JVM-wide hang (event loops and
 * scheduler workers all parked on a lock no thread owns), as per-connection timer counts that never return to
 * zero (the cancellation that threw stopped half way), and as connections reset by the server's
 * onUncaughtException. Registered through META-INF/services, so every BlockHound install in this module, and in
 * gateway-tests (which takes this module's test-jar), uses it.
 */
public final class LibraryLocksBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        for (String task : new String[] {"PeriodicWorkerTask", "PeriodicSchedulerTask", "InstantPeriodicWorkerTask"}) {
            builder.allowBlockingCallsInside("reactor.core.scheduler." + task, "dispose");
        }
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free");
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "free");
        builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters");
        builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "doExclusive");
    }
}
