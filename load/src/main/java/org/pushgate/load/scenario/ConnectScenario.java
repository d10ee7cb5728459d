package org.pushgate.load.scenario;

import java.util.LinkedHashMap;
import java.util.Map;

import org.pushgate.load.cli.LoadOptions;
import org.pushgate.load.client.ServerProbe;
import org.pushgate.load.worker.Merged;

/**
 * connect: ramp to N connections (at --rate, or as fast as the in-flight bound allows), hold them for
 * --duration, close them. Reports the connect rate, handshake latency, failures by cause and the gateway's
 * memory per connection (RSS and, with --server-pid, heap after GC, measured before the ramp and during the hold).
 */
final class ConnectScenario {

    private ConnectScenario() {
    }

    static int run(Run r) {
        LoadOptions o = r.o;
        r.scrapeBefore();
        // Heap after a full GC first, then RSS: both figures are then taken right after a GC, comparably.
        long heapBefore = r.probe.heapAfterGc();
        long rssBefore = r.probe.rssBytes();

        double cpuBefore = r.serverCpuSeconds();
        r.startWorkers();
        r.awaitReady();
        double cpuRamp = r.serverCpuSeconds() - cpuBefore;
        r.progress.phase("hold");
        long holdStart = System.nanoTime();
        r.sleep(Math.max(0, o.durationMs - 1_500));

        // Near the end of the hold: the gateway's view of the connections, and its memory.
        long openNow = r.progress.last().count("open");
        double before = ServerProbe.value(r.serverBefore, "connectionsActive");
        boolean gaugeOk = Double.isNaN(before) || r.awaitGauge("connectionsActive", before + openNow, 2_000);
        Map<String, Object> during = r.scrapeFigures();
        long heapDuring = r.probe.heapAfterGc();
        long rssDuring = r.probe.rssBytes();
        long heldMs = (System.nanoTime() - holdStart) / 1_000_000;
        r.sleep(Math.max(0, o.durationMs - heldMs));
        openNow = Math.max(openNow, 1);

        Merged m = r.stopWorkers();
        r.scrapeAfter();

        r.connections(m, o.connections);
        r.serverCpu("ramp", cpuRamp, m.c("opened"), "connection");
        r.checkConnections(m, o.connections);
        long dropped = m.sum("serverClosesFast");
        r.report.check("connections held", dropped == 0,
                dropped == 0 ? "none closed by the gateway during the hold" : dropped + " closed by the gateway: "
                        + m.map("serverClosesFast"));

        double activeDuring = ServerProbe.value(during, "connectionsActive");
        if (!Double.isNaN(before) && !Double.isNaN(activeDuring)) {
            r.report.check("gateway counts the connections", gaugeOk,
                    "gateway_connections_active " + (long) before + " -> " + (long) activeDuring + " with " + openNow
                            + " open");
        }

        Map<String, Object> mem = new LinkedHashMap<>();
        mem.put("openDuringMeasurement", openNow);
        if (rssBefore > 0 && rssDuring > 0) {
            mem.put("rssBeforeBytes", rssBefore);
            mem.put("rssDuringBytes", rssDuring);
            mem.put("rssPerConnectionBytes", (rssDuring - rssBefore) / openNow);
            r.report.summary.put("gateway RSS per connection", (rssDuring - rssBefore) / openNow + " bytes");
        }
        if (heapBefore > 0 && heapDuring > 0) {
            mem.put("heapAfterGcBeforeBytes", heapBefore);
            mem.put("heapAfterGcDuringBytes", heapDuring);
            mem.put("heapPerConnectionBytes", (heapDuring - heapBefore) / openNow);
            r.report.summary.put("gateway heap per connection (after GC)", (heapDuring - heapBefore) / openNow + " bytes");
        }
        double hb = ServerProbe.value(r.serverBefore, "heapUsedBytes");
        double hd = ServerProbe.value(during, "heapUsedBytes");
        if (!Double.isNaN(hb) && !Double.isNaN(hd)) {
            mem.put("scrapedHeapBeforeBytes", (long) hb);
            mem.put("scrapedHeapDuringBytes", (long) hd);
            mem.put("scrapedHeapPerConnectionBytes", (long) ((hd - hb) / openNow));
            if (heapBefore <= 0) {
                r.report.summary.put("gateway heap per connection (scraped, no GC: noisy)",
                        (long) ((hd - hb) / openNow) + " bytes");
            }
        }
        if (mem.size() == 1) {
            r.report.warn("no gateway memory figures: give --server-pid PID for RSS and heap after GC");
        }
        r.server.put("duringHold", during);
        r.report.put("memory", mem);
        return r.finish();
    }
}
