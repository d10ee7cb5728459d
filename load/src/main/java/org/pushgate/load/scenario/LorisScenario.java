package org.pushgate.load.scenario;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.pushgate.load.cli.LoadOptions;
import org.pushgate.load.client.AvailabilityProbe;
import org.pushgate.load.report.Percentiles;
import org.pushgate.load.worker.Merged;

/**
 * loris: half-finished handshakes (issue 13). The workers open --connections sockets that send the start of an
 * upgrade and never finish it, and watch them until the gateway closes them; meanwhile an
 * {@link AvailabilityProbe} times health and a real upgrade every --probe-interval and counts the gateway's
 * descriptors. Phases: ramp (connecting), hold (until every socket is closed by the gateway, at most --duration
 * after the ramp), after (a second and a half of probes once they are gone). With --server-log, the log lines the
 * gateway wrote meanwhile.
 */
final class LorisScenario {

    /** The attack's sockets, summed over the workers. */
    record Sockets(long wanted, long connected, long connectFailures, Map<String, Long> connectFailuresByCause,
                   long closedByGateway, Map<String, Long> closesByAnswer, long stillOpenAtEnd,
                   long closedLaterThanLimit, long closedSilentlyBeforeTimeout, long resets, double rampSeconds,
                   Double lastCloseAfterLastConnectSeconds, Double lastCloseAfterFirstConnectSeconds,
                   long handshakeTimeoutMs, long closeSlackMs, List<String> sourceAddresses, int processes) {
    }

    private static final long AFTER_MS = 1_500;

    private LorisScenario() {
    }

    static int run(Run r) {
        LoadOptions o = r.o;
        if (r.sources.contains(o.probeSourceAddress)) {
            r.report.warn("--probe-source-address " + o.probeSourceAddress + " is one of the attack's addresses: a "
                    + "per-address cap then refuses the probes too");
        }
        r.scrapeBefore();
        LogGrowth log = null;
        if (o.serverLog != null) {
            try {
                log = LogGrowth.from(Path.of(o.serverLog));
            }
            catch (IOException e) {
                r.report.warn("--server-log " + o.serverLog + " is unreadable (" + e.getMessage() + "): log lines not counted");
            }
        }
        try (AvailabilityProbe watch = new AvailabilityProbe(o)) {
            watch.start();
            watch.phase("ramp");
            r.startWorkers();
            r.progress.availability(watch);
            r.awaitReady();

            watch.phase("hold");
            r.progress.phase("hold");
            long holdEnd = Math.min(r.deadlineNanos, System.nanoTime() + o.durationMs * 1_000_000);
            while (System.nanoTime() < holdEnd) {
                var p = r.workers.progress();
                if (p.count("opened") > 0 && p.count("open") == 0) {
                    break; // every socket closed by the gateway
                }
                r.sleep(100);
            }
            watch.phase("after");
            r.progress.phase("after");
            r.sleep(AFTER_MS);

            Merged m = r.stopWorkers();
            r.sleep(1_000); // the gateway's side of sockets we closed ourselves (a failed run) goes too
            AvailabilityProbe.Descriptors fds = watch.descriptorsAfter();
            watch.close();
            r.scrapeAfter();
            report(r, m, watch, fds);
        }
        if (log != null) {
            try {
                LogGrowth.Lines lines = log.sinceStart();
                r.report.put("serverLog", lines);
                r.report.summary.put("gateway log lines written", lines.linesAdded());
            }
            catch (IOException e) {
                r.report.warn("--server-log " + o.serverLog + " unreadable at the end: " + e.getMessage());
            }
        }
        return r.finish();
    }

    private static void report(Run r, Merged m, AvailabilityProbe watch, AvailabilityProbe.Descriptors fds) {
        LoadOptions o = r.o;
        long connected = m.c("opened");
        long closed = m.c("serverCloses");
        long stillOpen = m.c("stillOpenAtEnd");
        long late = m.c("closedLate");
        Double sinceLast = seconds(m.c("lastCloseAtMs") - m.c("lastConnectAtMs"), m);
        Double sinceFirst = seconds(m.c("lastCloseAtMs") - m.c("firstConnectAtMs"), m);
        Sockets s = new Sockets(o.connections, connected, m.sum("failures"), m.map("failures"), closed,
                m.map("serverClosesFast"), stillOpen, late, m.c("closedEarlySilently"), m.c("resets"),
                Percentiles.round(m.c("rampMs") / 1000.0, 3), sinceLast, sinceFirst, o.handshakeTimeoutMs,
                o.closeSlackMs, r.sources.isEmpty() ? List.of("(default)") : r.sources, r.processes);
        r.report.put("sockets", s);
        AvailabilityProbe.Summary health = watch.health();
        AvailabilityProbe.Summary upgrade = watch.upgrade();
        r.report.put("health", health);
        r.report.put("upgrade", upgrade);
        if (o.serverPid > 0) {
            r.report.put("descriptors", fds);
        }
        r.report.put("probeSamples", Map.of("health", watch.healthSamples(), "upgrade", watch.upgradeSamples()));

        r.report.summary.put("sockets connected", connected + " / " + o.connections + " from " + s.sourceAddresses()
                + " in " + r.processes + " process(es), ramp " + s.rampSeconds() + " s");
        r.report.summary.put("closed by the gateway, by answer", s.closesByAnswer());
        r.report.summary.put("last close after the last connect", sinceLast == null ? "n/a" : sinceLast + " s");
        if (o.serverPid > 0) {
            r.report.summary.put("gateway descriptors before / peak / after", fds.before() + " / " + fds.peak() + " / "
                    + fds.after() + " (limit " + fds.limit() + ")");
        }
        r.report.summary.put("health answers (max ms)", health.answers() + " (" + health.maxMs() + ")");
        r.report.summary.put("upgrade answers (max ms)", upgrade.answers() + " (" + upgrade.maxMs() + ")");
        String lifetimes = "Half-finished sockets: connect to the gateway's close, by its answer";
        r.report.latency(lifetimes, "all", m.p("lifetime"));
        for (String answer : s.closesByAnswer().keySet()) {
            r.report.latency(lifetimes, answer, m.p("lifetime_" + answer));
        }
        r.report.latency("Answer time under attack", "GET /actuator/health", watch.healthTimes());
        r.report.latency("Answer time under attack", "WebSocket upgrade", watch.upgradeTimes());
        r.report.latency("Attack: TCP connect", "connect", m.p("connect"));

        if (s.connectFailures() > 0) {
            r.report.warn(s.connectFailures() + " attack sockets did not connect " + s.connectFailuresByCause()
                    + ": the gateway held fewer than asked");
        }
        Percentiles life = m.p("lifetime");
        r.report.check("every half-finished socket closed by the gateway within the deadline",
                connected > 0 && stillOpen == 0 && late == 0 && closed == connected,
                String.format("%d of %d connected closed by the gateway %s, %d still open at the end, %d later than "
                                + "%d ms (handshake-timeout %d ms + slack %d ms); lifetimes max %.0f ms", closed, connected,
                        s.closesByAnswer(), stillOpen, late, o.handshakeTimeoutMs + o.closeSlackMs,
                        o.handshakeTimeoutMs, o.closeSlackMs, life.maxMs()));
        long healthOk = health.answers().getOrDefault("200", 0L);
        r.report.check("health answered within " + o.answerWithinMs + " ms throughout",
                health.probes() > 0 && healthOk == health.probes() && health.slowerThanLimit() == 0,
                String.format("%d probes: %s, max %.1f ms, %d slower than the limit; max by phase %s", health.probes(),
                        health.answers(), health.maxMs(), health.slowerThanLimit(), health.maxMsByPhase()));
        long upgraded = upgrade.answers().getOrDefault("101", 0L) + upgrade.answers().getOrDefault("503", 0L);
        r.report.check("a WebSocket client admitted (101) or refused (503) within " + o.answerWithinMs + " ms, never a hang",
                upgrade.probes() > 0 && upgraded == upgrade.probes() && upgrade.slowerThanLimit() == 0,
                String.format("%d probes: %s, max %.1f ms, %d slower than the limit; max by phase %s", upgrade.probes(),
                        upgrade.answers(), upgrade.maxMs(), upgrade.slowerThanLimit(), upgrade.maxMsByPhase()));
        if (o.serverPid > 0 && fds.peak() >= 0) {
            r.report.check("gateway descriptors below its open-file limit", fds.limit() <= 0 || fds.peak() < fds.limit(),
                    "peak " + fds.peak() + " of " + fds.limit() + " (" + fds.samples() + " samples)");
            r.report.check("gateway descriptors back to their level before", fds.after() <= fds.before() + 16,
                    fds.before() + " before, " + fds.after() + " after (16 allowed for the probes' own sockets)");
        }
    }

    private static Double seconds(long ms, Merged m) {
        return m.c("lastCloseAtMs") > 0 && m.c("firstConnectAtMs") > 0 ? Percentiles.round(ms / 1000.0, 3) : null;
    }
}
