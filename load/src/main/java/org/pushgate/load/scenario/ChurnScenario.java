package org.pushgate.load.scenario;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.pushgate.load.cli.LoadOptions;
import org.pushgate.load.client.ServerProbe;
import org.pushgate.load.report.Percentiles;
import org.pushgate.load.worker.Merged;
import org.pushgate.load.worker.Workers;

/**
 * churn: a leak gate. C cycles of connect, subscribe (waiting for the ack), abrupt disconnect without a close
 * frame (RST through SO_LINGER 0, or a bare FIN; --abort mixed alternates). Afterwards the gateway's
 * {@code gateway_connections_active}, {@code gateway_subscriptions_active} and {@code gateway_channels_active}
 * must return to their baseline within --settle-timeout, and with --server-pid the heap after a full GC must not
 * have grown by more than --heap-tolerance-mib. A warm-up of --warmup-cycles comes first so that class loading,
 * pools and JIT are not counted as a leak. Exit status 1 when any of this fails.
 */
final class ChurnScenario {

    private static final String[] GAUGES = {"connectionsActive", "subscriptionsActive", "channelsActive"};

    private ChurnScenario() {
    }

    static int run(Run r) {
        LoadOptions o = r.o;
        r.scrapeBefore();
        if (ServerProbe.missing(r.serverBefore, "connectionsActive", "subscriptionsActive").size() > 0) {
            r.report.check("gateway gauges readable", false,
                    "/actuator/prometheus has no gateway_connections_active / gateway_subscriptions_active: "
                            + "the leak gate cannot judge");
        }

        if (o.warmupCycles > 0) {
            System.out.println("warm-up: " + o.warmupCycles + " cycles");
            LoadOptions w = LoadOptions.parse(warmupArgs(o));
            Workers.churnHere(w, r.sources, o.warmupCycles, r.deadlineNanos);
        }
        Map<String, Object> baseline = settle(r, r.serverBefore, o.settleTimeoutMs);
        if (!baselineReached(r.serverBefore, baseline)) {
            r.report.warn("after the warm-up the gauges did not return to their values before it: " + gauges(baseline)
                    + " vs " + gauges(r.serverBefore) + " (baseline taken as before the warm-up)");
            baseline = r.serverBefore;
        }
        long heapBase = r.probe.heapAfterGc();
        long rssBase = r.probe.rssBytes();

        r.startWorkers();
        r.progress.phase("churn");
        r.awaitReady();
        Merged m = r.stopWorkers();
        r.progress.phase("settle");
        long settleStart = System.nanoTime();
        Map<String, Object> settled = settle(r, baseline, o.settleTimeoutMs);
        long settleMs = (System.nanoTime() - settleStart) / 1_000_000;
        long heapAfter = r.probe.heapAfterGc();
        long rssAfter = r.probe.rssBytes();
        r.serverAfter = settled;

        Map<String, Object> c = new LinkedHashMap<>();
        long ok = m.c("cyclesOk");
        long failed = m.sum("cycleFailures");
        c.put("cycles", o.cycles);
        c.put("completed", ok);
        c.put("failed", failed);
        c.put("failuresByCause", m.map("cycleFailures"));
        c.put("connectFailuresByCause", m.map("failures"));
        c.put("abort", o.abort);
        c.put("concurrency", o.concurrency);
        c.put("cyclesPerSec", Percentiles.round(ok / Math.max(1e-3, m.c("rampMs") > 0 ? m.c("rampMs") / 1000.0
                : m.wallSeconds), 1));
        c.put("settleMs", settleMs);
        c.put("baseline", gauges(baseline));
        c.put("afterSettle", gauges(settled));
        r.report.put("churn", c);
        r.report.latency("Cycle (connect, upgrade, subscribe ack)", "cycle", m.p("cycle"));
        r.report.latency("Handshake (TCP connect + upgrade)", "handshake", m.p("handshake"));
        r.report.summary.put("cycles completed", ok + " / " + o.cycles + (failed > 0 ? " (failed: " + m.map("cycleFailures") + ")" : ""));
        r.report.summary.put("gauges baseline -> after settle", gauges(baseline) + " -> " + gauges(settled));

        r.report.check("cycles completed", ok > 0 && failed <= o.cycles / 100,
                ok + " of " + o.cycles + " completed, " + failed + " failed " + (failed > 0 ? m.map("cycleFailures") : ""));
        for (String g : GAUGES) {
            double b = ServerProbe.value(baseline, g);
            double a = ServerProbe.value(settled, g);
            if (Double.isNaN(b) || Double.isNaN(a)) {
                if (!g.equals("channelsActive")) {
                    r.report.check(g + " back to baseline", false, "gauge not exported");
                }
                continue;
            }
            r.report.check(g + " back to baseline", a <= b,
                    String.format("%d at baseline, %d after %d ms of settling (limit %d ms)", (long) b, (long) a,
                            settleMs, o.settleTimeoutMs));
        }
        Map<String, Object> mem = new LinkedHashMap<>();
        if (heapBase > 0 && heapAfter > 0) {
            long growth = heapAfter - heapBase;
            mem.put("heapAfterGcBaselineBytes", heapBase);
            mem.put("heapAfterGcAfterBytes", heapAfter);
            mem.put("growthBytes", growth);
            r.report.summary.put("heap after GC", Run.mib(heapBase) + " -> " + Run.mib(heapAfter));
            r.report.check("heap after GC flat", growth <= o.heapToleranceMiB * 1048576.0,
                    String.format("%s -> %s (growth %s, tolerance %.0f MiB)", Run.mib(heapBase), Run.mib(heapAfter),
                            Run.mib(growth), o.heapToleranceMiB));
        }
        else if (o.serverPid > 0) {
            r.report.check("heap after GC flat", false, "could not measure the heap with jcmd");
        }
        if (rssBase > 0 && rssAfter > 0) {
            mem.put("rssBaselineBytes", rssBase);
            mem.put("rssAfterBytes", rssAfter);
        }
        if (!mem.isEmpty()) {
            r.report.put("memory", mem);
        }
        return r.finish();
    }

    /** Polls until each gauge is at or below {@code baseline}, at most {@code maxMs}; returns the last figures. */
    static Map<String, Object> settle(Run r, Map<String, Object> baseline, long maxMs) {
        long end = System.nanoTime() + maxMs * 1_000_000;
        Map<String, Object> now = r.scrapeFigures();
        while (!baselineReached(baseline, now) && System.nanoTime() < end) {
            r.sleep(250);
            now = r.scrapeFigures();
        }
        return now;
    }

    static boolean baselineReached(Map<String, Object> baseline, Map<String, Object> now) {
        for (String g : GAUGES) {
            double b = ServerProbe.value(baseline, g);
            double a = ServerProbe.value(now, g);
            if (!Double.isNaN(b) && !Double.isNaN(a) && a > b) {
                return false;
            }
        }
        return true;
    }

    static Map<String, Object> gauges(Map<String, Object> figures) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String g : GAUGES) {
            m.put(g, figures.get(g));
        }
        return m;
    }

    private static String[] warmupArgs(LoadOptions o) {
        List<String> a = new java.util.ArrayList<>(List.of("churn"));
        o.given.forEach((k, v) -> {
            if (!List.of("processes", "out", "cycles", "server-pid", "source-addresses", "timeout").contains(k)) {
                a.add("--" + k + "=" + v);
            }
        });
        a.add("--cycles=" + o.warmupCycles);
        a.add("--index-offset=1000000000");
        return a.toArray(new String[0]);
    }
}
