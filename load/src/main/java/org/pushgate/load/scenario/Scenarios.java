package org.pushgate.load.scenario;

import java.util.Locale;
import java.util.Map;

import org.pushgate.load.cli.LoadOptions;
import org.pushgate.load.cli.Scenario;

/** Runs the coordinator's side of one scenario: one {@link Run}, released whatever happens. */
public final class Scenarios {

    private Scenarios() {
    }

    /** Exit status: 0 the verdict passed, 1 it failed, 3 the run broke. */
    public static int run(LoadOptions o) {
        System.out.println("pushgate load: " + o.scenario + " against " + o.target.id() + " at ws://" + o.host + ":"
                + o.port + o.target.subscriberUri(o.path, "{channel}").replace("%7B", "{").replace("%7D", "}")
                + " (hard limit " + o.hardTimeoutMs() / 1000 + " s)");
        Map<String, Object> selfWarmup = SelfWarmup.run(o);
        try (Run r = new Run(o)) {
            if (selfWarmup != null) {
                r.report.put("selfWarmup", selfWarmup);
            }
            return dispatch(r);
        }
        catch (RuntimeException e) {
            System.err.println("error: the run failed: " + e);
            if (o.verbose) {
                e.printStackTrace();
            }
            return 3;
        }
    }

    /** Runs the scenario of {@code r}'s options; its exit status. */
    static int dispatch(Run r) {
        return switch (Scenario.valueOf(r.o.scenario.toUpperCase(Locale.ROOT))) {
            case CONNECT -> ConnectScenario.run(r);
            case FANOUT, CHANNELS -> FanoutScenario.run(r);
            case CHURN -> ChurnScenario.run(r);
            case SLOW -> SlowScenario.run(r);
            case LORIS -> LorisScenario.run(r);
        };
    }
}
