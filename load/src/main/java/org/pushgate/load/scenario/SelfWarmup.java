package org.pushgate.load.scenario;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.pushgate.load.bench.NettyFloor;
import org.pushgate.load.cli.LoadOptions;

/**
 * The generator's self-warm-up ({@code --self-warmup D}): before the measured run, the same scenario runs for D
 * against a stand-in server inside this process ({@link NettyFloor}, speaking the target's protocol), so that this
 * JVM's JIT has compiled the generator's own connect, read and publish paths before the server under test sees its
 * first connection. Without it, a fresh generator's compiler threads take 0.3-0.9 of the machine's two cores for the
 * ramp and the first seconds of the measured window (docs/benchmarks.md, 10j), which the server under test pays for in
 * latency. The server under test sees none of it: the stand-in listens on a port of its own. It never fails the run:
 * a stand-in that cannot start, or a warm-up that breaks, is reported and the run goes on cold.
 */
final class SelfWarmup {

    private static final long QUIET_SLICE_MS = 500;
    private static final long QUIET_MAX_MS = 15_000;
    private static final int MAX_ROUNDS = 3;

    private SelfWarmup() {
    }

    /**
     * Waits until this JVM's compiler threads have been (nearly) idle for a slice: less than 5% of one core over
     * {@link #QUIET_SLICE_MS}, at most {@link #QUIET_MAX_MS}. Without a compilation bean, no wait.
     *
     * @return how long it waited, in ms
     */
    static long awaitJitQuiet() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return 0;
        }
        long start = System.nanoTime();
        long before = jit.getTotalCompilationTime();
        while ((System.nanoTime() - start) / 1_000_000 < QUIET_MAX_MS) {
            try {
                Thread.sleep(QUIET_SLICE_MS);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            long now = jit.getTotalCompilationTime();
            if (now - before < QUIET_SLICE_MS / 20) {
                break;
            }
            before = now;
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** What the warm-up did, for the result file; null when it was not asked for. */
    static Map<String, Object> run(LoadOptions o) {
        if (o.selfWarmupMs <= 0) {
            return null;
        }
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("durationMs", o.selfWarmupMs);
        if (o.effectiveProcesses() > 1) {
            done.put("skipped", "the connections are in " + o.effectiveProcesses() + " worker processes, which it would not warm");
            return done;
        }
        long start = System.nanoTime();
        PrintStream console = System.out;
        int status;
        try (NettyFloor.Running standIn = NettyFloor.start(0, 2)) {
            // Paths run once per connection (the handshake, the subscribe) reach the JIT's last tier after some
            // thousands of calls: up to three rounds, for as many connections as the run has (at most 12,000).
            int perRound = Math.min(o.connections, LoadOptions.SelfWarmupLimits.CONNECTIONS);
            int rounds = Math.min(MAX_ROUNDS, Math.max(1, (o.connections + perRound - 1) / perRound));
            LoadOptions w = o.forSelfWarmup(standIn.port(), Math.max(1_000, o.selfWarmupMs / rounds));
            done.put("rounds", rounds);
            done.put("connectionsPerRound", w.connections);
            status = 0;
            Set<String> failed = new LinkedHashSet<>();
            // The warm-up's own report is not the run's: it goes nowhere.
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            try {
                for (int i = 0; i < rounds; i++) {
                    try (Run r = new Run(w)) {
                        status = Math.max(status, Scenarios.dispatch(r)); // --self-warmup: connect, fanout, channels
                        failed.addAll(r.report.failedChecks());
                    }
                }
            }
            finally {
                System.setOut(console);
            }
            done.put("upgrades", standIn.upgrades());
            done.put("frames", standIn.frames());
            done.put("verdict", status == 0 ? "pass" : "fail (exit " + status + ")");
            if (!failed.isEmpty()) {
                // Against the stand-in in the generator's own process: a check can fail that the real run passes
                // (both ends share the generator's cores); the warm-up still warmed. Named, so that it reads so.
                done.put("failedChecks", List.copyOf(failed));
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done.put("error", "interrupted");
        }
        catch (RuntimeException e) {
            done.put("error", String.valueOf(e));
        }
        // Its garbage goes now, not in the measured window; and the compiles it queued finish before that window.
        System.gc();
        done.put("jitSettleMs", awaitJitQuiet());
        done.put("tookMs", (System.nanoTime() - start) / 1_000_000);
        console.println("  self-warm-up: " + done);
        return done;
    }
}
