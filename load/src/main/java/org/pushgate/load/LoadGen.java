package org.pushgate.load;

import java.util.logging.Level;
import java.util.logging.Logger;

import org.pushgate.load.cli.LoadCommand;
import org.pushgate.load.cli.LoadOptions;
import org.pushgate.load.scenario.Scenarios;
import org.pushgate.load.worker.WorkerProcess;

import reactor.core.publisher.Hooks;

/**
 * The load generator's entry point: {@code java -jar load-gen.jar <scenario> [options]}. Exit status: 0 when the
 * scenario's verdict passes, 1 when it fails, 2 for bad usage, 3 when the run itself broke.
 * {@code worker <scenario> ...} is the internal mode of the child processes (see {@code worker.ChildWorkers}).
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
            return WorkerProcess.run(o);
        }
        return Scenarios.run(o);
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
}
