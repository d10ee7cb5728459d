package org.pushgate.load.scenario;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import org.pushgate.load.cli.LoadOptions;
import org.pushgate.load.client.Publisher;
import org.pushgate.load.client.ServerProbe;
import org.pushgate.load.report.Percentiles;
import org.pushgate.load.report.Report;
import org.pushgate.load.server.ServerCpu;
import org.pushgate.load.worker.CpuMeter;
import org.pushgate.load.worker.FailureCause;
import org.pushgate.load.worker.Merged;
import org.pushgate.load.worker.WorkerResult;
import org.pushgate.load.worker.Workers;

/**
 * What every scenario of the coordinator shares: options, deadline, report, probe of the gateway, the workers
 * and the progress ticker; and the steps they have in common (scrapes before and after, the connections
 * section, writing the result). Closing it releases everything it started, whatever state the run is in.
 */
final class Run implements AutoCloseable {

    final LoadOptions o;
    final Report report;
    final ServerProbe probe;
    final CpuMeter cpu = new CpuMeter();
    final long startNanos = System.nanoTime();
    /** The wall-clock time of {@link #startNanos}: the series' t = 0, to line it up with a server's own logs. */
    final long startEpochMillis = System.currentTimeMillis();
    final long deadlineNanos;
    final List<String> sources;
    final int processes;

    Workers workers;
    Progress progress;
    Publisher publisher;
    Map<String, Object> serverBefore = new LinkedHashMap<>();
    Map<String, Object> serverAfter = new LinkedHashMap<>();
    final Map<String, Object> server = new LinkedHashMap<>();

    Run(LoadOptions o) {
        this.o = o;
        this.report = new Report(o.scenario);
        this.probe = new ServerProbe(o);
        this.deadlineNanos = startNanos + o.hardTimeoutMs() * 1_000_000;
        int total = o.scenario.equals("churn") ? o.concurrency : o.connections;
        this.sources = o.effectiveSourceAddresses(total);
        this.processes = o.effectiveProcesses();
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("host", o.host);
        target.put("port", o.port);
        target.put("path", o.path);
        target.put("server", o.target.id());
        report.put("target", target);
        report.put("options", new LinkedHashMap<>(o.given));
        for (String w : Limits.check(total, processes, Math.max(1, sources.size()), Limits.openFiles(), Limits.portRange())) {
            report.warn(w);
        }
        if (processes > 1 && !o.given.containsKey("processes")) {
            System.out.println("using " + processes + " generator processes for " + total + " connections");
        }
    }

    boolean timeLeft() {
        return System.nanoTime() < deadlineNanos;
    }

    /** Sleeps up to {@code ms}, never past the run's deadline. */
    void sleep(long ms) {
        long end = Math.min(deadlineNanos, System.nanoTime() + ms * 1_000_000);
        while (System.nanoTime() < end) {
            LockSupport.parkNanos(Math.min(50_000_000, end - System.nanoTime()));
        }
    }

    Map<String, Object> scrapeFigures() {
        return ServerProbe.figures(probe.scrape());
    }

    void scrapeBefore() {
        serverBefore = scrapeFigures();
    }

    void scrapeAfter() {
        serverAfter = scrapeFigures();
    }

    void startWorkers() {
        workers = Workers.create(o, sources, deadlineNanos);
        progress = new Progress(o, workers, probe, cpu, startNanos);
        progress.start();
        workers.start();
    }

    boolean awaitReady() {
        boolean ready = workers.awaitReady(deadlineNanos);
        if (!ready) {
            report.warn("the workers were not ready before the run's deadline");
        }
        return ready;
    }

    Merged stopWorkers() {
        progress.phase("close");
        long timeout = 5_000 + o.connections / 5L;
        List<WorkerResult> reports = workers.stop(timeout);
        if (reports.size() < workers.count()) {
            report.warn((workers.count() - reports.size()) + " worker process(es) returned no result");
        }
        return Merged.of(reports);
    }

    /** Waits while the workers' deliveries keep coming (stable for 1 s), at most {@code maxMs}. */
    void drain(String counter, long expected, long maxMs) {
        long end = Math.min(deadlineNanos, System.nanoTime() + maxMs * 1_000_000);
        long last = -1;
        long stableSince = System.nanoTime();
        while (System.nanoTime() < end) {
            long now = progress.last().count(counter);
            if (expected > 0 && now >= expected) {
                // The ticker's figure is up to a second old: one more tick for the stragglers' count.
                sleep(1_100);
                return;
            }
            if (now != last) {
                last = now;
                stableSince = System.nanoTime();
            }
            else if (System.nanoTime() - stableSince > 2_100_000_000L) {
                return;
            }
            sleep(100);
        }
    }

    /** Polls the gateway's subscriptions gauge until it reaches {@code want} (bounded); false when it does not. */
    boolean awaitGauge(String key, double want, long maxMs) {
        long end = Math.min(deadlineNanos, System.nanoTime() + maxMs * 1_000_000);
        while (true) {
            double v = ServerProbe.value(scrapeFigures(), key);
            if (Double.isNaN(v)) {
                return false;
            }
            if (v >= want) {
                return true;
            }
            if (System.nanoTime() >= end) {
                return false;
            }
            sleep(200);
        }
    }

    /** The server's CPU seconds so far (/proc, with --server-pid), NaN without: the start of a measured window. */
    double serverCpuSeconds() {
        return ServerCpu.seconds(o.serverPid);
    }

    /**
     * The server's CPU {@code seconds} (the difference of two {@link #serverCpuSeconds()}) over the window named
     * {@code window}, and per operation: the figure a side-by-side comparison (load/versus-nchan.sh) divides.
     */
    void serverCpu(String window, double seconds, long operations, String operation) {
        if (Double.isNaN(seconds)) {
            return;
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("window", window);
        c.put("seconds", Percentiles.round(seconds, 3));
        c.put("operations", operations);
        c.put("operation", operation);
        c.put("microsPerOperation", operations > 0 ? Percentiles.round(seconds * 1e6 / operations, 3) : null);
        report.put("serverCpu", c);
        report.summary.put("server CPU (" + window + ")", Percentiles.round(seconds, 2) + " s"
                + (operations > 0 ? ", " + c.get("microsPerOperation") + " us per " + operation : ""));
    }

    /** The connections section and summary lines, from the merged worker reports. */
    Map<String, Object> connections(Merged m, long wanted) {
        Map<String, Object> c = new LinkedHashMap<>();
        long opened = m.c("opened");
        double rampSeconds = m.c("rampMs") / 1000.0;
        c.put("wanted", wanted);
        c.put("attempted", m.c("attempts"));
        c.put("established", opened);
        c.put("failed", m.sum("failures"));
        c.put("rejected503", m.map("failures").getOrDefault(FailureCause.REJECTED_503, 0L));
        c.put("failuresByCause", m.map("failures"));
        c.put("rampSeconds", Percentiles.round(rampSeconds, 3));
        c.put("connectRatePerSec", rampSeconds > 0 ? Percentiles.round(opened / rampSeconds, 1) : null);
        c.put("openAtEnd", m.c("openFastAtEnd") + m.c("openSlowAtEnd"));
        c.put("closedByServerDuringRun", m.sum("serverClosesFast") + m.sum("serverClosesSlow"));
        c.put("serverClosesByCode", m.map("serverClosesFast"));
        c.put("errorFramesByCode", m.map("errorCodes"));
        c.put("heartbeats", m.c("heartbeats"));
        c.put("sourceAddresses", sources.isEmpty() ? List.of("(default)") : sources);
        c.put("processes", processes);
        report.put("connections", c);
        report.summary.put("connections established", opened + " / " + wanted);
        if (m.sum("failures") > 0) {
            report.summary.put("connection failures", m.map("failures"));
        }
        report.summary.put("connect rate", c.get("connectRatePerSec") + " /s");
        report.latency("Handshake (TCP connect + upgrade)", "handshake", m.p("handshake"));
        return c;
    }

    /** Checks that every wanted connection opened, separating the gateway's 503 valve from errors. */
    void checkConnections(Merged m, long wanted) {
        long rejected = m.map("failures").getOrDefault(FailureCause.REJECTED_503, 0L);
        long errors = m.sum("failures") - rejected;
        long opened = m.c("opened");
        boolean ok = o.allowRejections ? errors == 0 && opened + rejected == wanted && opened > 0
                : opened == wanted && rejected == 0 && errors == 0;
        report.check("connections established", ok,
                opened + "/" + wanted + " opened, " + rejected + " rejected_503, " + errors + " failed "
                        + (errors > 0 ? m.map("failures") : ""));
    }

    int finish() {
        if (progress != null) {
            progress.close();
            report.put("seriesStartEpochMs", startEpochMillis);
            report.put("series", progress.series());
        }
        Map<String, Object> gen = new LinkedHashMap<>();
        gen.put("processes", processes);
        gen.put("sourceAddresses", sources);
        if (progress != null) {
            Map<String, Object> cpuFigures = progress.cpu();
            gen.putAll(cpuFigures);
            if (Boolean.TRUE.equals(cpuFigures.get("saturated"))) {
                report.warn("the generator's CPU was above 90% of the machine's cores: results may be capped by "
                        + "the generator, not the gateway");
            }
        }
        gen.putAll(Limits.describe());
        gen.put("java", System.getProperty("java.version"));
        report.put("generator", gen);
        server.put("before", serverBefore);
        server.put("after", serverAfter);
        server.put("delta", ServerProbe.delta(serverBefore, serverAfter));
        report.put("server", server);
        if (serverBefore.isEmpty() && serverAfter.isEmpty()) {
            report.warn("no /actuator/prometheus figures: server-side checks were skipped");
        }
        if (o.standIn) {
            return report.pass() ? 0 : 1; // the generator's self-warm-up: nothing printed, nothing written
        }
        System.out.print(report.consoleSummary());
        try {
            List<Path> files = report.write(o);
            for (Path p : files) {
                System.out.println("  wrote " + p);
            }
        }
        catch (IOException e) {
            System.out.println("error: cannot write the result: " + e.getMessage());
            return 3;
        }
        return report.pass() ? 0 : 1;
    }

    @Override
    public void close() {
        if (progress != null) {
            progress.close();
        }
        if (workers != null) {
            workers.close();
        }
        if (publisher != null) {
            publisher.close();
        }
        probe.close();
    }

    static String mib(double bytes) {
        return Double.isNaN(bytes) ? "n/a" : String.format("%.1f MiB", bytes / 1048576.0);
    }
}
