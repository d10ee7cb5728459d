package org.pushgate.load;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

import reactor.core.publisher.Hooks;

/**
 * The load generator's entry point: {@code java -jar load-gen.jar <scenario> [options]}. Exit status: 0 when the
 * scenario's verdict passes, 1 when it fails, 2 for bad usage, 3 when the run itself broke.
 * {@code worker <scenario> ...} is the internal mode of the child processes (see {@link ChildWorkers}).
 */
public final class LoadGen {

    private LoadGen() {
    }

    public static void main(String[] args) {
        int status = run(args);
        System.out.flush();
        System.exit(status);
    }

    static int run(String[] args) {
        LoadOptions o;
        try {
            o = LoadOptions.parse(args);
        }
        catch (LoadCommand.UsageError e) {
            System.err.println("error: " + e.getMessage());
            System.err.println();
            System.err.print(e.usage());
            return 2;
        }
        if (o.help) {
            System.out.print(o.usage);
            return 0;
        }
        quietLogging(o.verbose);
        if (o.worker) {
            return worker(o);
        }
        System.out.println("pushgate load: " + o.scenario + " against ws://" + o.host + ":" + o.port + o.path
                + " (hard limit " + o.hardTimeoutMs() / 1000 + " s)");
        try (Run r = new Run(o)) {
            return switch (Scenario.valueOf(o.scenario.toUpperCase(java.util.Locale.ROOT))) {
                case CONNECT -> ConnectScenario.run(r);
                case FANOUT, CHANNELS -> FanoutScenario.run(r);
                case CHURN -> ChurnScenario.run(r);
                case SLOW -> SlowScenario.run(r);
            };
        }
        catch (RuntimeException e) {
            System.err.println("error: the run failed: " + e);
            if (o.verbose) {
                e.printStackTrace();
            }
            return 3;
        }
    }

    /**
     * Netty and Reactor log through java.util.logging here (no SLF4J on the classpath). Resets and dropped
     * errors are expected in load runs (churn aborts sockets on purpose); they are counted, not logged.
     */
    static void quietLogging(boolean verbose) {
        // Reactor's own fallback (without SLF4J) is a console logger that no level reaches: route it to JUL.
        reactor.util.Loggers.useJdkLoggers();
        Logger root = Logger.getLogger("");
        Level level = verbose ? Level.WARNING : Level.SEVERE;
        root.setLevel(level);
        for (java.util.logging.Handler h : root.getHandlers()) {
            h.setLevel(level);
        }
        if (!verbose) {
            Hooks.onErrorDropped(e -> {
            });
        }
    }

    /** A child process: holds its share, reports on stdout, obeys stall / wake / stop on stdin. */
    static int worker(LoadOptions o) {
        PrintStream out = System.out;
        Worker w = new Worker(o, o.sourceAddresses);
        long deadline = System.nanoTime() + o.hardTimeoutMs() * 1_000_000;
        AtomicBoolean ticking = new AtomicBoolean(true);
        Thread ticker = new Thread(() -> {
            while (ticking.get()) {
                try {
                    Thread.sleep(1_000);
                }
                catch (InterruptedException e) {
                    return;
                }
                if (ticking.get()) {
                    line(out, WorkerLines.progress(w.progress()));
                }
            }
        }, "load-worker-progress");
        ticker.setDaemon(true);
        ticker.start();
        try {
            if (o.scenario.equals("churn")) {
                w.churn(o.cycles, deadline);
                ticking.set(false);
                line(out, WorkerLines.result(w.report()));
                return 0;
            }
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

    private static void line(PrintStream out, String s) {
        synchronized (out) {
            out.println(s);
            out.flush();
        }
    }
}
