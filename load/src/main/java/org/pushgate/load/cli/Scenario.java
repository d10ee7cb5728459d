package org.pushgate.load.cli;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The scenarios of the generator: each is one subcommand ({@code connect}, {@code fanout}...), with its own
 * defaults (chosen to finish in under a minute) and its own help. The one list of them.
 */
public enum Scenario {

    CONNECT("Ramp to N connections, hold them for --duration, close them.",
            "Reports connect rate, handshake latency, failures by cause (rejected_503 apart), server memory per "
                    + "connection.",
            o -> {
                o.connections = 500;
                o.rate = 250;
                o.durationMs = 5_000;
            }),
    FANOUT("N subscribers of one channel; publish --publish-rate msg/s for --duration after a warm-up.",
            "Verdict: delivery ratio >= --min-delivery-ratio, publishes accepted, publish rate kept, no subscriber cut.",
            o -> {
                o.connections = 200;
                o.publishRate = 200;
                o.durationMs = 10_000;
                o.warmupMs = 2_000;
            }),
    CHANNELS("N connections over K channels (connection i -> channel i mod K), publish round-robin.",
            "Verdict as fanout, with the expected deliveries counted per channel.",
            o -> {
                o.connections = 300;
                o.channels = 300;
                o.publishRate = 600;
                o.durationMs = 10_000;
                o.warmupMs = 2_000;
            }),
    CHURN("C cycles of connect, subscribe, abrupt disconnect (no close frame).",
            "Then the server's active connections/subscriptions/channels must return to baseline, and (with "
                    + "--server-pid) heap after GC must stay within --heap-tolerance-mib. Exit status 1 when not: a "
                    + "leak gate. --duration is an upper bound for the cycles.",
            o -> {
                o.connections = 0;
                o.cycles = 2_000;
                o.channels = 10;
                o.durationMs = 40_000;
                o.settleTimeoutMs = 10_000;
            }),
    SLOW("A fraction of subscribers stop reading while messages flow.",
            "Phases: baseline (everyone reads), slow (the slow ones stalled), baseline again (slow ones cut or "
                    + "reading). Verdict: server memory bounded, the overflow policy acts on the slow ones (4xxx closes "
                    + "or drop/disconnect metrics), fast subscribers' p99 within --p99-factor of the worse baseline (or "
                    + "+ --p99-slack-ms), fast subscribers lose nothing. Each slow subscriber must be sent more than the "
                    + "gateway's buffer plus the kernel's socket buffers (several MiB) during --duration, or the "
                    + "overflow policy never acts.",
            o -> {
                o.connections = 8;
                o.publishRate = 300;
                o.payloadBytes = 12_288;
                o.durationMs = 6_000;
                o.warmupMs = 4_000;
            }),
    LORIS("Half-finished handshakes (slowloris): N sockets send the start of a WebSocket upgrade and never finish it.",
            "Held up to --duration, from --source-addresses and --processes (at most 19,000 per process). Every "
                    + "--probe-interval: /actuator/health (on --management-port) and a real WebSocket upgrade from "
                    + "--probe-source-address, timed; with --server-pid the gateway's descriptors (/proc/PID/fd); with "
                    + "--server-log the log lines it wrote. Verdict: every socket closed by the gateway within "
                    + "--handshake-timeout + --close-slack, health answered 200 within --answer-within throughout, the "
                    + "upgrade answered 101 or 503 within it (never a hang), and with --server-pid the descriptors below "
                    + "the gateway's open-file limit and back to their level after.",
            o -> {
                o.connections = 2_000;
                o.durationMs = 15_000;
            });

    private final String summary;
    private final String details;
    private final Consumer<LoadOptions> defaults;

    Scenario(String summary, String details, Consumer<LoadOptions> defaults) {
        this.summary = summary;
        this.details = details;
        this.defaults = defaults;
    }

    /** The subcommand's name, as the scripts and the result files spell it. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String summary() {
        return summary;
    }

    String details() {
        return details;
    }

    void applyDefaults(LoadOptions o) {
        defaults.accept(o);
    }

    /** {@code connect, fanout, channels, churn, slow, loris}. */
    public static String names() {
        return String.join(", ", Arrays.stream(values()).map(Scenario::id).toList());
    }
}
