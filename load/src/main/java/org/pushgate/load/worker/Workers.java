package org.pushgate.load.worker;

import java.util.List;

import org.pushgate.load.cli.LoadOptions;

/**
 * The coordinator's view of the processes that hold connections: its own JVM ({@link LocalWorkers}) or K child
 * JVMs of the generator ({@link ChildWorkers}), each with a share of the connections or cycles.
 */
public interface Workers extends AutoCloseable {

    /** Starts ramping the connections (or running the churn cycles), without waiting. */
    void start();

    /** Waits until every worker has opened (or failed) its connections, or finished its cycles. */
    boolean awaitReady(long deadlineNanos);

    /** The workers' cumulative counters, summed; see {@link WorkerProgress#sum}. */
    WorkerProgress progress();

    /** Slow subscribers stop reading. */
    void stall();

    /** Slow subscribers read again (and so see how the gateway closed them, if it did). */
    void wake();

    /** Closes every connection and returns each worker's report. */
    List<WorkerResult> stop(long timeoutMs);

    int count();

    @Override
    void close();

    /** Runs {@code cycles} churn cycles in this JVM and waits for them (the churn scenario's unmeasured warm-up). */
    static void churnHere(LoadOptions o, List<String> sourceAddresses, int cycles, long deadlineNanos) {
        Worker w = new Worker(o, sourceAddresses);
        w.churn(cycles, deadlineNanos);
        w.report();
    }

    static Workers create(LoadOptions o, List<String> sourceAddresses, long deadlineNanos) {
        int k = o.effectiveProcesses();
        if (k <= 1) {
            return new LocalWorkers(o, sourceAddresses, deadlineNanos);
        }
        return new ChildWorkers(o, k, sourceAddresses, deadlineNanos);
    }
}
