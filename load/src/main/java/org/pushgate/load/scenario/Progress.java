package org.pushgate.load.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.pushgate.load.cli.LoadOptions;
import org.pushgate.load.client.AvailabilityProbe;
import org.pushgate.load.client.PrometheusText;
import org.pushgate.load.client.Publisher;
import org.pushgate.load.client.ServerProbe;
import org.pushgate.load.report.Percentiles;
import org.pushgate.load.report.SeriesPoint;
import org.pushgate.load.worker.CpuMeter;
import org.pushgate.load.worker.WorkerProgress;
import org.pushgate.load.worker.Workers;

/**
 * The once-a-second tick of a run: prints the progress line (connections, publishes/s, deliveries/s, errors,
 * CPU), records the time series for the report, watches the generator's own CPU, and, when asked, samples the
 * gateway's heap (scrape) and RSS (/proc) so that a report can show memory over time.
 */
final class Progress implements AutoCloseable {

    private final LoadOptions o;
    private final Workers workers;
    private final ServerProbe probe;
    private final CpuMeter coordinatorCpu;
    private final boolean childProcesses;
    private final long startNanos;
    private final List<SeriesPoint> series = new ArrayList<>();
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);

    private volatile Publisher publisher;
    private volatile AvailabilityProbe availability;
    private volatile String phase = "ramp";
    private volatile boolean sampleServer;
    private long lastNanos;
    private long lastReceived;
    private long lastPublished;
    private double cpuSum;
    private double cpuMax;
    private int ticks;
    private int saturatedRun;
    private boolean saturated;
    private volatile WorkerProgress last = WorkerProgress.NONE;

    Progress(LoadOptions o, Workers workers, ServerProbe probe, CpuMeter coordinatorCpu, long startNanos) {
        this.o = o;
        this.workers = workers;
        this.probe = probe;
        this.coordinatorCpu = coordinatorCpu;
        this.childProcesses = workers.count() > 1;
        this.startNanos = startNanos;
        this.lastNanos = startNanos;
        this.thread = new Thread(this::loop, "load-progress");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void phase(String name) {
        phase = name;
    }

    void publisher(Publisher p) {
        publisher = p;
    }

    /** loris: the probes whose figures each tick records and shows. */
    void availability(AvailabilityProbe probe) {
        availability = probe;
    }

    void sampleServer(boolean on) {
        sampleServer = on;
    }

    private void loop() {
        long next = System.nanoTime() + 1_000_000_000L;
        while (running.get()) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
                continue;
            }
            next += 1_000_000_000L;
            try {
                tick();
            }
            catch (RuntimeException e) {
                System.out.println("warning: progress tick failed: " + e);
            }
        }
    }

    synchronized void tick() {
        long now = System.nanoTime();
        double dt = Math.max(1e-3, (now - lastNanos) / 1e9);
        lastNanos = now;
        WorkerProgress p = workers.progress();
        last = p;
        long received = p.count("receivedAll");
        Publisher pub = publisher;
        long published = pub == null ? 0 : pub.okTotal.sum();
        double deliveries = (received - lastReceived) / dt;
        double sends = (published - lastPublished) / dt;
        lastReceived = received;
        lastPublished = published;
        double cores = p.cpuCores() + (childProcesses ? coordinatorCpu.sample() : 0);
        ticks++;
        cpuSum += cores;
        cpuMax = Math.max(cpuMax, cores);
        int available = CpuMeter.cores();
        if (cores > 0.9 * available) {
            if (++saturatedRun == 3) {
                saturated = true;
                System.out.println("warning: the generator uses " + fmt(cores) + " of " + available
                        + " cores: it may be what limits this run");
            }
        }
        else {
            saturatedRun = 0;
        }
        double t = (now - startNanos) / 1e9;
        Double p99 = p.p99Ms() == null ? null : Percentiles.round(p.p99Ms(), 3);
        Long cycles = o.scenario.equals("churn") ? p.count("cyclesOk") : null;
        Double heapMiB = null;
        Double liveMiB = null;
        if (sampleServer) {
            PrometheusText scrape = probe.scrape();
            double heap = scrape.sum("jvm_memory_used_bytes", Map.of("area", "heap"));
            heapMiB = Double.isNaN(heap) ? null : Percentiles.round(heap / 1048576.0, 1);
            double live = scrape.sum("jvm_gc_live_data_size_bytes");
            liveMiB = Double.isNaN(live) ? null : Percentiles.round(live / 1048576.0, 1);
        }
        long rss = probe.rssBytes();
        Double rssMiB = rss > 0 ? Percentiles.round(rss / 1048576.0, 1) : null;
        AvailabilityProbe a = availability;
        AvailabilityProbe.Tick probes = a == null ? new AvailabilityProbe.Tick(null, null, null) : a.tick();
        SeriesPoint point = new SeriesPoint(Percentiles.round(t, 2), phase, p.count("open"), Percentiles.round(sends, 1),
                Percentiles.round(deliveries, 1), p.count("failed"), p.count("errorFrames"), p.count("serverCloses"),
                Percentiles.round(cores, 3), p99, cycles, heapMiB, liveMiB, rssMiB, probes.descriptors(),
                probes.healthMs(), probes.upgradeMs());
        series.add(point);
        if (!o.quiet) {
            System.out.println(line(t, p, sends, deliveries, cores, available) + probeLine(probes));
        }
    }

    private String line(double t, WorkerProgress p, double sends, double deliveries, double cores, int available) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(String.format(Locale.ROOT, "[%4.0fs] %-9s conns %d", t, phase, p.count("open")));
        long failed = p.count("failed");
        long rejected = p.count("rejected");
        if (failed > 0) {
            sb.append(" (failed ").append(failed - rejected).append(", rejected_503 ").append(rejected).append(')');
        }
        if (o.scenario.equals("churn")) {
            sb.append(" | cycles ").append(p.count("cyclesOk")).append(" ok, ").append(p.count("cyclesFailed"))
                    .append(" failed");
        }
        else if (o.scenario.equals("loris")) {
            sb.append(" | closed by the gateway ").append(p.count("serverCloses")).append(" (503: ")
                    .append(p.count("refused503")).append(')');
        }
        else if (!o.scenario.equals("connect")) {
            sb.append(String.format(Locale.ROOT, " | pub %.0f/s | recv %.0f/s", sends, deliveries));
            if (p.p99Ms() != null) {
                sb.append(" p99 ").append(Percentiles.fmt(p.p99Ms())).append("ms");
            }
        }
        sb.append(" | err ").append(p.count("errorFrames")).append(" closed-by-server ").append(p.count("serverCloses"));
        sb.append(String.format(Locale.ROOT, " | cpu %.2f/%d", cores, available));
        return sb.toString();
    }

    private static String probeLine(AvailabilityProbe.Tick t) {
        StringBuilder sb = new StringBuilder();
        if (t.healthMs() != null) {
            sb.append(" | health ").append(Percentiles.fmt(t.healthMs())).append("ms");
        }
        if (t.upgradeMs() != null) {
            sb.append(" upgrade ").append(Percentiles.fmt(t.upgradeMs())).append("ms");
        }
        if (t.descriptors() != null) {
            sb.append(" | gateway fds ").append(t.descriptors());
        }
        return sb.toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    WorkerProgress last() {
        return last;
    }

    List<SeriesPoint> series() {
        synchronized (this) {
            return new ArrayList<>(series);
        }
    }

    /** Generator CPU: average and peak cores, and whether it ran near saturation. */
    synchronized Map<String, Object> cpu() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("availableCores", CpuMeter.cores());
        m.put("avgCores", Percentiles.round(ticks == 0 ? 0 : cpuSum / ticks, 3));
        m.put("maxCores", Percentiles.round(cpuMax, 3));
        m.put("saturated", saturated || (ticks > 0 && cpuSum / ticks > 0.9 * CpuMeter.cores()));
        return m;
    }

    @Override
    public void close() {
        if (running.compareAndSet(true, false)) {
            thread.interrupt();
            try {
                thread.join(3_000);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
