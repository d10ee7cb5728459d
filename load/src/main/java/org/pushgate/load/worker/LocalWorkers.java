package org.pushgate.load.worker;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.pushgate.load.cli.LoadOptions;

/** One worker in the coordinator's own JVM, ramping (or churning, or opening loris sockets) on a thread of its own. */
final class LocalWorkers implements Workers {

    private final LoadOptions o;
    private final Worker worker;
    /** loris only (then {@link #worker} is null): the half-finished sockets of this JVM. */
    private final LorisSockets loris;
    private final long deadlineNanos;
    private final Thread thread;
    private volatile WorkerResult finalReport;

    LocalWorkers(LoadOptions o, List<String> sourceAddresses, long deadlineNanos) {
        this.o = o;
        boolean isLoris = o.scenario.equals("loris");
        this.worker = isLoris ? null : new Worker(o, sourceAddresses);
        this.loris = isLoris ? new LorisSockets(o, sourceAddresses) : null;
        this.deadlineNanos = deadlineNanos;
        this.thread = new Thread(this::run, "load-worker");
        this.thread.setDaemon(true);
    }

    private void run() {
        if (loris != null) {
            loris.ramp(deadlineNanos);
        }
        else if (o.scenario.equals("churn")) {
            worker.churn(o.cycles, deadlineNanos);
        }
        else {
            worker.ramp(deadlineNanos);
        }
    }

    @Override
    public void start() {
        thread.start();
    }

    @Override
    public boolean awaitReady(long deadline) {
        long wait = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        try {
            thread.join(wait);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    @Override
    public WorkerProgress progress() {
        return loris != null ? loris.progress() : worker.progress();
    }

    @Override
    public void stall() {
        if (worker != null) {
            worker.stall();
        }
    }

    @Override
    public void wake() {
        if (worker != null) {
            worker.wake();
        }
    }

    @Override
    public List<WorkerResult> stop(long timeoutMs) {
        if (finalReport == null) {
            finalReport = loris != null ? loris.finish() : worker.finish(timeoutMs);
        }
        return List.of(finalReport);
    }

    @Override
    public int count() {
        return 1;
    }

    @Override
    public void close() {
        if (finalReport == null) {
            stop(2_000);
        }
    }
}
