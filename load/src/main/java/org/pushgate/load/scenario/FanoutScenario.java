package org.pushgate.load.scenario;

import java.util.LinkedHashMap;
import java.util.Map;

import org.pushgate.load.cli.LoadOptions;
import org.pushgate.load.client.Publisher;
import org.pushgate.load.client.ServerProbe;
import org.pushgate.load.report.Percentiles;
import org.pushgate.load.worker.Merged;

/**
 * fanout (N subscribers of one channel) and channels (N connections over K channels, published round-robin):
 * publish --publish-rate msg/s for --duration after a warm-up, then report deliveries/s, the delivery ratio
 * received / expected (expected = each successful publish times the subscribers open on its channel) and the
 * publish-to-receive latency distribution.
 */
final class FanoutScenario {

    private FanoutScenario() {
    }

    static int run(Run r) {
        LoadOptions o = r.o;
        r.scrapeBefore();
        r.startWorkers();
        r.awaitReady();
        awaitSubscriptions(r);

        r.publisher = new Publisher(o);
        r.progress.publisher(r.publisher);
        warmUp(r);
        r.progress.phase("measure");
        double cpuBefore = r.serverCpuSeconds();
        Publisher.PhaseResult res = r.publisher.run(1, o.durationMs, r.deadlineNanos);
        r.progress.phase("drain");
        long openGuess = r.progress.last().count("open");
        r.drain("received1", res.ok() * (o.scenario.equals("fanout") ? openGuess : Math.max(1, openGuess / o.channels)), 5_000);
        double cpuAfter = r.serverCpuSeconds();

        Merged m = r.stopWorkers();
        r.scrapeAfter();
        r.connections(m, o.connections);
        r.checkConnections(m, o.connections);

        long expected = expected(o, res, m);
        long received = m.c("received1");
        r.serverCpu("measure and drain", cpuAfter - cpuBefore, received, "delivery");
        publishSection(r, res, "publish");
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("expected", expected);
        d.put("received", received);
        double ratio = expected == 0 ? 0 : (double) received / expected;
        if (res.failed() > 0) {
            // A publish that timed out may still have been delivered, but only acknowledged ones are expected.
            r.report.warn(res.failed() + " publishes failed (" + res.failures() + "); the delivery ratio counts only the "
                    + res.ok() + " acknowledged ones as expected, so failed ones that were delivered anyway push it above "
                    + "1.0 and can hide losses: judge such a run by the failures, not by the ratio");
        }
        d.put("deliveryRatio", Percentiles.round(ratio, 6));
        d.put("deliveriesPerSec", Percentiles.round(received / Math.max(1e-3, res.seconds()), 1));
        d.put("subscribersReportedByGateway", res.subscribersReported());
        d.put("heartbeats", m.c("heartbeats"));
        d.put("errorFrames", m.map("errorCodes"));
        r.report.put("delivery", d);
        r.report.summary.put("published (measured)", res.ok() + " in " + Percentiles.round(res.seconds(), 2) + " s");
        r.report.summary.put("deliveries/s", d.get("deliveriesPerSec"));
        r.report.summary.put("delivery ratio", d.get("deliveryRatio") + " (" + received + " / " + expected + ")");
        Percentiles lat = m.p("latency1");
        r.report.latency("Publish-to-receive", "measured", lat);
        r.report.summary.put("latency p50/p99/p99.9/max ms",
                lat.p50Ms() + " / " + lat.p99Ms() + " / " + lat.p999Ms() + " / " + lat.maxMs());

        r.report.check("delivery ratio", expected > 0 && ratio >= o.minDeliveryRatio,
                String.format("%.4f (>= %.4f wanted), %d of %d", ratio, o.minDeliveryRatio, received, expected));
        r.report.check("publishes accepted", res.failed() == 0 && res.ok() > 0,
                res.ok() + " ok, " + res.failed() + " failed " + (res.failed() > 0 ? res.failures() : ""));
        checkSchedule(r, res);
        long closed = m.sum("serverClosesFast");
        r.report.check("subscribers kept", closed == 0, closed == 0 ? "none closed by the gateway"
                : closed + " closed by the gateway: " + m.map("serverClosesFast"));
        return r.finish();
    }

    /**
     * Warm-up (phase 0, not measured) in one-second slices: at least --warmup, then until two consecutive slices
     * were on schedule with p99s (the worse of publish round trip and delivery) within a factor of two of each
     * other, at most 3x --warmup. Fresh JVMs (the gateway's, a worker's) take seconds to settle, and a baseline
     * measured before that would make any later phase look good.
     */
    static void warmUp(Run r) {
        if (r.o.warmupMs <= 0 || r.o.publishRate <= 0) {
            return;
        }
        r.progress.phase("warmup");
        long start = System.nanoTime();
        double previous = Double.NaN;
        long elapsed = 0;
        while (elapsed < 3 * r.o.warmupMs && r.timeLeft()) {
            Publisher.PhaseResult slice = r.publisher.run(0, 1_000, r.deadlineNanos);
            Double delivery = r.progress.last().p99Ms();
            double p99 = Math.max(slice.rtt().p99Ms(), delivery != null ? delivery : 0);
            boolean onSchedule = slice.notSent() == 0 && slice.failed() == 0;
            elapsed = (System.nanoTime() - start) / 1_000_000;
            if (elapsed >= r.o.warmupMs && onSchedule && previous > 0 && p99 <= 2 * previous && previous <= 2 * p99) {
                break;
            }
            previous = onSchedule ? p99 : Double.NaN;
        }
        r.report.summary.put("warm-up", Percentiles.round(elapsed / 1000.0, 1) + " s");
    }

    static long expected(LoadOptions o, Publisher.PhaseResult res, Merged m) {
        if (o.scenario.equals("channels") && m.channelOpen != null) {
            long e = 0;
            long[] per = res.okPerChannel();
            for (int k = 0; k < Math.min(per.length, m.channelOpen.length); k++) {
                e += per[k] * m.channelOpen[k];
            }
            return e;
        }
        return res.ok() * m.c("openFastAtEnd");
    }

    static void awaitSubscriptions(Run r) {
        long open = onScrapedGateway(r.o, r.workers.progress().count("open"));
        double before = ServerProbe.value(r.serverBefore, "subscriptionsActive");
        if (Double.isNaN(before)) {
            // No gauge to wait on: give the subscriptions made at upgrade a moment to be registered.
            r.sleep(500);
            return;
        }
        if (!r.awaitGauge("subscriptionsActive", before + open, 5_000)) {
            r.report.warn("gateway_subscriptions_active did not reach " + (long) (before + open)
                    + " within 5 s of the ramp: early messages may miss some subscribers");
        }
    }

    /**
     * How many of {@code open} connections the scraped gateway (--port) holds: all of them, or with --connect-ports
     * its round-robin share (rounded down: the others' gauges are not scraped).
     */
    static long onScrapedGateway(LoadOptions o, long open) {
        if (o.connectPorts.isEmpty() || o.connections == 0) {
            return open;
        }
        long mine = 0;
        for (int i = 0; i < o.connectPorts.size(); i++) {
            if (o.connectPorts.get(i) == o.port) {
                mine += (o.connections - i + o.connectPorts.size() - 1) / o.connectPorts.size();
            }
        }
        return open * mine / o.connections;
    }

    /** The publisher kept --publish-rate (within 1%): otherwise the run measured less load than it claims. */
    static void checkSchedule(Run r, Publisher.PhaseResult res) {
        r.report.check("publish rate kept (" + res.phase() + ")", res.notSent() <= res.target() / 100,
                String.format("%d of %d scheduled messages sent, largest lag %.0f ms%s", res.attempted(), res.target(),
                        res.maxLagMs(), res.notSent() > res.target() / 100 ? " (the gateway's publish round trip times "
                                + "--publish-concurrency, or the generator's CPU, limited the rate)" : ""));
    }

    static void publishSection(Run r, Publisher.PhaseResult res, String key) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("phase", res.phase());
        p.put("scheduled", res.target());
        p.put("notSentBehindSchedule", res.notSent());
        p.put("attempted", res.attempted());
        p.put("ok", res.ok());
        p.put("failed", res.failed());
        p.put("failuresByCause", res.failures());
        p.put("seconds", Percentiles.round(res.seconds(), 3));
        p.put("ratePerSec", Percentiles.round(res.ok() / Math.max(1e-3, res.seconds()), 1));
        p.put("maxScheduleLagMs", res.maxLagMs());
        p.put("roundTrip", res.rtt());
        r.report.put(key, p);
        r.report.latency("Publish round trip (POST /api/publish)", key, res.rtt());
    }
}
