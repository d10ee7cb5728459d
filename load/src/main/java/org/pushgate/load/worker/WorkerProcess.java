package org.pushgate.load.worker;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.pushgate.load.cli.LoadOptions;

/**
 * A worker child process ({@code LoadGen worker <scenario> ...}, started by {@link ChildWorkers}): it owns one
 * {@link Worker}, a progress ticker and a stdin reader, all daemon threads that end with the process, and speaks
 * {@link WorkerLines}.
 */
public final class WorkerProcess {

    private WorkerProcess() {
    }

    /** Holds this process's share, reports on stdout, obeys stall / wake / stop on stdin; returns the exit status. */
    public static int run(LoadOptions o) {
        PrintStream out = System.out;
        long deadline = System.nanoTime() + o.hardTimeoutMs() * 1_000_000;
        if (o.scenario.equals("loris")) {
            return runLoris(o, out, deadline);
        }
        Worker w = new Worker(o, o.sourceAddresses);
        AtomicBoolean ticking = new AtomicBoolean(true);
        Thread ticker = ticker(out, w::progress, ticking);
        try {
            if (o.scenario.equals("churn")) {
                w.churn(o.cycles, deadline);
                ticking.set(false);
                line(out, WorkerLines.result(w.report()));
                return 0;
            }
            BlockingQueue<String> commands = commands();
            w.ramp(deadline);
            line(out, WorkerLines.READY);
            while (System.nanoTime() < deadline) {
                String c = commands.poll(100, TimeUnit.MILLISECONDS);
                if (c == null) {
                    continue;
                }
                if (c.equals("stall")) {
                    w.stall();
                }
                else if (c.equals("wake")) {
                    w.wake();
                }
                else if (c.equals("stop")) {
                    break;
                }
            }
            ticking.set(false);
            line(out, WorkerLines.result(w.finish(5_000 + o.connections / 5L)));
            return 0;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 3;
        }
        finally {
            ticking.set(false);
            ticker.interrupt();
        }
    }

    /** loris: open the half-finished sockets, then watch them until stop (or the deadline), then report. */
    private static int runLoris(LoadOptions o, PrintStream out, long deadline) {
        LorisSockets loris = new LorisSockets(o, o.sourceAddresses);
        AtomicBoolean ticking = new AtomicBoolean(true);
        Thread ticker = ticker(out, loris::progress, ticking);
        try {
            BlockingQueue<String> commands = commands();
            loris.ramp(deadline);
            line(out, WorkerLines.READY);
            while (System.nanoTime() < deadline) {
                String c = commands.poll(100, TimeUnit.MILLISECONDS);
                if ("stop".equals(c)) {
                    break;
                }
            }
            ticking.set(false);
            line(out, WorkerLines.result(loris.finish()));
            return 0;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 3;
        }
        finally {
            ticking.set(false);
            ticker.interrupt();
        }
    }

    /** Once a second, this process's progress line; a daemon thread that ends with {@code ticking}. */
    private static Thread ticker(PrintStream out, Supplier<WorkerProgress> progress, AtomicBoolean ticking) {
        Thread ticker = new Thread(() -> {
            while (ticking.get()) {
                try {
                    Thread.sleep(1_000);
                }
                catch (InterruptedException e) {
                    return;
                }
                if (ticking.get()) {
                    line(out, WorkerLines.progress(progress.get()));
                }
            }
        }, "load-worker-progress");
        ticker.setDaemon(true);
        ticker.start();
        return ticker;
    }

    /** The coordinator's commands, one a line on stdin; the end of stdin is a stop. */
    private static BlockingQueue<String> commands() {
        BlockingQueue<String> commands = new LinkedBlockingQueue<>();
        Thread stdin = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    commands.add(l.trim());
                }
            }
            catch (Exception ignored) {
                // Treated as end of input below.
            }
            commands.add("stop");
        }, "load-worker-stdin");
        stdin.setDaemon(true);
        stdin.start();
        return commands;
    }

    private static void line(PrintStream out, String s) {
        synchronized (out) {
            out.println(s);
            out.flush();
        }
    }
}
