package org.pushgate.load.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class LoadOptionsTest {

    @Test
    void eachScenarioHasDefaultsThatFinishQuickly() {
        for (Scenario s : Scenario.values()) {
            LoadOptions o = LoadOptions.parse(s.id());
            assertThat(o.scenario).isEqualTo(s.id());
            assertThat(o.host).isEqualTo("127.0.0.1");
            assertThat(o.port).isEqualTo(8080);
            assertThat(o.durationMs).isPositive().isLessThanOrEqualTo(40_000);
        }
        assertThat(LoadOptions.parse("fanout").connections).isEqualTo(200);
        assertThat(LoadOptions.parse("channels").channels).isEqualTo(300);
        assertThat(LoadOptions.parse("churn").cycles).isEqualTo(2000);
        LoadOptions loris = LoadOptions.parse("loris");
        assertThat(List.of(loris.connections, (int) loris.durationMs, (int) loris.handshakeTimeoutMs,
                (int) loris.probeIntervalMs)).containsExactly(2000, 15_000, 10_000, 250);
    }

    @Test
    void lorisKeepsEachProcessUnderTheOpenFilesLimit() {
        assertThat(LoadOptions.parse("loris", "--connections", "20000").effectiveProcesses()).isEqualTo(2);
        assertThatThrownBy(() -> LoadOptions.parse("loris", "--connections", "20000", "--processes", "1"))
                .hasMessageContaining("--processes 2");
    }

    @Test
    void theDefaultsAreTheOnesTheReadmeDocuments() {
        LoadOptions connect = LoadOptions.parse("connect");
        assertThat(List.of(connect.connections, (int) connect.rate, (int) connect.durationMs)).containsExactly(500, 250, 5000);
        LoadOptions fanout = LoadOptions.parse("fanout");
        assertThat(List.of(fanout.connections, (int) fanout.publishRate, (int) fanout.durationMs, (int) fanout.warmupMs))
                .containsExactly(200, 200, 10_000, 2_000);
        assertThat(fanout.minDeliveryRatio).isEqualTo(0.99);
        assertThat(fanout.payloadBytes).isEqualTo(128);
        assertThat(fanout.publishConcurrency).isEqualTo(32);
        assertThat(fanout.maxInflight).isEqualTo(256);
        assertThat(fanout.channel).isEqualTo("load-fanout");
        LoadOptions churn = LoadOptions.parse("churn");
        assertThat(List.of(churn.cycles, churn.concurrency, churn.channels, churn.warmupCycles))
                .containsExactly(2000, 32, 10, 100);
        assertThat(churn.abort).isEqualTo("mixed");
        assertThat(churn.settleTimeoutMs).isEqualTo(10_000);
        assertThat(churn.heapToleranceMiB).isEqualTo(8);
        LoadOptions slow = LoadOptions.parse("slow");
        assertThat(List.of(slow.connections, (int) slow.publishRate, slow.payloadBytes, (int) slow.durationMs))
                .containsExactly(8, 300, 12_288, 6_000);
        assertThat(slow.slowFraction).isEqualTo(0.25);
        assertThat(slow.p99Factor).isEqualTo(2.0);
        assertThat(slow.p99SlackMs).isEqualTo(2.0);
        assertThat(slow.memToleranceMiB).isEqualTo(64);
        assertThat(slow.slowReceiveBuffer).isEqualTo(65536);
        assertThat(slow.connectTimeoutMs).isEqualTo(10_000);
        assertThat(slow.html()).isTrue();
    }

    @Test
    void laterOptionsWinSoScriptsCanPutDefaultsFirst() {
        LoadOptions o = LoadOptions.parse("fanout", "--connections", "10", "--port=9000", "--connections=20", "--quiet");
        assertThat(o.connections).isEqualTo(20);
        assertThat(o.port).isEqualTo(9000);
        assertThat(o.quiet).isTrue();
        assertThat(o.given).containsEntry("connections", "20").containsEntry("port", "9000").containsEntry("quiet", "true");
    }

    @Test
    void flagsTakeAnOptionalValueAndTheOldSpellingsStillWork() {
        assertThat(LoadOptions.parse("connect", "--no-html").html()).isFalse();
        assertThat(LoadOptions.parse("connect", "--no-html=false").html()).isTrue();
        assertThat(LoadOptions.parse("connect", "--quiet=yes", "--verbose=1").verbose).isTrue();
        assertThat(LoadOptions.parse("connect", "--n", "7").connections).isEqualTo(7);
        assertThat(LoadOptions.parse("connect", "--connections", "10_000").connections).isEqualTo(10_000);
        assertThat(LoadOptions.parse("connect", "--processes", "auto").processes).isZero();
        assertThat(LoadOptions.parse("connect", "--server-pid", "").serverPid).isZero();
        assertThat(LoadOptions.parse("connect", "--api-key", "").apiKey).isNull();
        assertThat(LoadOptions.parse("connect", "--path", "ws2").path).isEqualTo("/ws2");
        // An option of another scenario is accepted (and ignored), as it always was.
        assertThat(LoadOptions.parse("connect", "--cycles", "5").cycles).isEqualTo(5);
    }

    @Test
    void parsesDurations() {
        assertThat(Converters.millis("30")).isEqualTo(30_000);
        assertThat(Converters.millis("30s")).isEqualTo(30_000);
        assertThat(Converters.millis("250ms")).isEqualTo(250);
        assertThat(Converters.millis("1.5m")).isEqualTo(90_000);
        assertThat(Converters.millis("1h")).isEqualTo(3_600_000);
        assertThatThrownBy(() -> Converters.millis("soon")).hasMessageContaining("not a duration");
        assertThatThrownBy(() -> Converters.millis("-1")).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> LoadOptions.parse("fanout", "--duration", "soon")).hasMessageContaining("--duration");
    }

    @Test
    void parsesSourceAddressListsAndRanges() {
        assertThat(Converters.sourceAddresses("127.0.0.1,127.0.0.2")).containsExactly("127.0.0.1", "127.0.0.2");
        assertThat(Converters.sourceAddresses("127.0.0.1-127.0.0.4")).containsExactly("127.0.0.1", "127.0.0.2",
                "127.0.0.3", "127.0.0.4");
        assertThat(Converters.sourceAddresses("127.0.0.5-6")).containsExactly("127.0.0.5", "127.0.0.6");
        assertThat(Converters.sourceAddresses("auto")).isEmpty();
        assertThatThrownBy(() -> Converters.sourceAddresses("10.0.0.1")).hasMessageContaining("loopback");
        assertThatThrownBy(() -> Converters.sourceAddresses("127.0.0.9-127.0.0.3")).hasMessageContaining("range");
        assertThat(LoadOptions.parse("connect", "--source-addresses", "127.0.0.1-2").sourceAddresses)
                .containsExactly("127.0.0.1", "127.0.0.2");
        assertThatThrownBy(() -> LoadOptions.parse("connect", "--source-addresses", "10.0.0.1"))
                .hasMessageContaining("loopback");
    }

    @Test
    void refusesTargetsOffThisMachineUnlessAllowed() {
        assertThatThrownBy(() -> LoadOptions.parse("connect", "--host", "192.168.1.10")).hasMessageContaining("loopback");
        assertThatThrownBy(() -> LoadOptions.parse("connect", "--host", "example.com")).hasMessageContaining("loopback");
        assertThat(LoadOptions.parse("connect", "--host", "localhost").host).isEqualTo("localhost");
        assertThat(LoadOptions.parse("connect", "--host", "127.0.0.7").host).isEqualTo("127.0.0.7");
        assertThat(LoadOptions.parse("connect", "--host", "192.168.1.10", "--allow-remote").host).isEqualTo("192.168.1.10");
    }

    @Test
    void rejectsUnknownOptionsBadValuesAndMissingScenario() {
        assertThatThrownBy(() -> LoadOptions.parse("fanout", "--bogus", "1")).hasMessageContaining("--bogus");
        assertThatThrownBy(() -> LoadOptions.parse("fanout", "--connections", "many")).hasMessageContaining("whole number");
        assertThatThrownBy(() -> LoadOptions.parse("fanout", "--connections")).hasMessageContaining("--connections")
                .hasMessageContaining("Missing required parameter");
        assertThatThrownBy(() -> LoadOptions.parse("nope")).hasMessageContaining("unknown scenario 'nope'");
        assertThatThrownBy(() -> LoadOptions.parse()).hasMessageContaining("missing scenario");
        assertThatThrownBy(() -> LoadOptions.parse("slow", "--slow-fraction", "1")).hasMessageContaining("slow-fraction");
        assertThatThrownBy(() -> LoadOptions.parse("churn", "--abort", "kill")).hasMessageContaining("rst");
        assertThatThrownBy(() -> LoadOptions.parse("connect", "--port", "0")).hasMessageContaining("--port must be between 1 and 65535");
        assertThat(LoadOptions.parse("--help").help).isTrue();
        assertThat(LoadOptions.parse("slow", "--help").help).isTrue();
        assertThat(LoadOptions.parse("worker", "fanout").worker).isTrue();
        assertThat(LoadOptions.parse("worker", "fanout").scenario).isEqualTo("fanout");
    }

    @Test
    void splitsLargeRunsOverProcessesAndSourceAddresses() {
        assertThat(LoadOptions.parse("connect", "--connections", "500").effectiveProcesses()).isEqualTo(1);
        assertThat(LoadOptions.parse("connect", "--connections", "19000").effectiveProcesses()).isEqualTo(2);
        assertThat(LoadOptions.parse("connect", "--connections", "40000").effectiveProcesses()).isEqualTo(3);
        assertThat(LoadOptions.parse("connect", "--connections", "40000", "--processes", "5").effectiveProcesses()).isEqualTo(5);
        assertThat(LoadOptions.parse("connect", "--connections", "19000").effectiveSourceAddresses(19000)).isEmpty();
        assertThat(LoadOptions.parse("connect").effectiveSourceAddresses(60_000))
                .containsExactly("127.0.0.1", "127.0.0.2", "127.0.0.3");
        assertThat(LoadOptions.parse("connect", "--source-addresses", "127.0.0.9").effectiveSourceAddresses(60_000))
                .containsExactly("127.0.0.9");
    }

    @Test
    void connectPortsSpreadConnectionsRoundRobinAndBadPortsAreRefused() {
        LoadOptions o = LoadOptions.parse("fanout", "--port", "18801", "--connect-ports", "18801, 18802,18803");
        assertThat(o.connectPorts).containsExactly(18801, 18802, 18803);
        assertThat(List.of(o.portOf(0), o.portOf(1), o.portOf(2), o.portOf(3))).containsExactly(18801, 18802, 18803, 18801);
        assertThat(LoadOptions.parse("fanout", "--port", "18801").portOf(7)).isEqualTo(18801);
        assertThatThrownBy(() -> LoadOptions.parse("fanout", "--connect-ports", "18801,x"))
                .hasMessageContaining("--connect-ports");
        assertThatThrownBy(() -> LoadOptions.parse("fanout", "--connect-ports", "70000"))
                .hasMessageContaining("--connect-ports must be between 1 and 65535");
    }

    @Test
    void slowSubscribersAreSpreadEvenly() {
        List<Integer> slow = IntStream.range(0, 20).filter(i -> LoadOptions.isSlow(i, 0.25)).boxed().toList();
        assertThat(slow).containsExactly(3, 7, 11, 15, 19);
        assertThat(IntStream.range(0, 1000).filter(i -> LoadOptions.isSlow(i, 0.1)).count()).isEqualTo(100);
    }

    @Test
    void assignsChannelsRoundRobinInTheChannelsScenario() {
        LoadOptions o = LoadOptions.parse("channels", "--channels", "3", "--channel", "c");
        assertThat(o.channelOf(0)).isEqualTo("c-0");
        assertThat(o.channelOf(4)).isEqualTo("c-1");
        assertThat(LoadOptions.parse("fanout").channelOf(9)).isEqualTo("load-fanout");
    }

    @Test
    void usageNamesEveryScenarioAndItsOptions() {
        assertThat(LoadOptions.parse("--help").usage).contains("connect").contains("fanout").contains("channels")
                .contains("churn").contains("slow").contains("loris").doesNotContain("worker");
        assertThat(LoadOptions.parse("loris", "--help").usage).contains("--handshake-timeout").contains("--server-log")
                .contains("--management-port").doesNotContain("--publish-rate");
        assertThat(LoadOptions.parse("slow", "--help").usage).contains("--slow-fraction").contains("--server-pid")
                .doesNotContain("--cycles").doesNotContain("--worker-index");
        assertThat(LoadOptions.parse("churn", "--help").usage).contains("--cycles").contains("--heap-tolerance-mib")
                .doesNotContain("--slow-fraction");
        assertThat(LoadOptions.parse("fanout", "--help").usage).contains("(default 200)").contains("--publish-rate");
    }

    // ---- the documented command lines ---------------------------------------------------------------

    private static final Path LOAD = Path.of("").toAbsolutePath().getFileName().toString().equals("load")
            ? Path.of("") : Path.of("load");

    private static final Pattern SCRIPT_RUN = Pattern.compile("run_scenario (\\w+) (.*?) -- \"\\$@\"", Pattern.DOTALL);

    @Test
    void everyScriptsDefaultsParse() throws IOException {
        int scripts = 0;
        for (Scenario s : Scenario.values()) {
            String text = Files.readString(LOAD.resolve(s.id() + ".sh")).replace("\\\n", " ");
            Matcher m = SCRIPT_RUN.matcher(text);
            assertThat(m.find()).as(s.id() + ".sh runs its scenario").isTrue();
            assertThat(m.group(1)).isEqualTo(s.id());
            List<String> args = new ArrayList<>(List.of(s.id()));
            args.addAll(Arrays.asList(m.group(2).trim().split("\\s+")));
            assertThat(LoadOptions.parse(args.toArray(new String[0])).scenario).isEqualTo(s.id());
            scripts++;
        }
        assertThat(scripts).isEqualTo(6);
    }

    /** {@code load/<scenario>.sh ...} and {@code load/with-gateway.sh <scenario> ...} in the docs, with placeholders filled. */
    private static final Pattern DOC_RUN = Pattern.compile(
            "load/(?:with-gateway\\.sh (connect|fanout|channels|churn|slow|loris)|(connect|fanout|channels|churn|slow|loris)\\.sh)"
                    + "([^`#\\n]*)");

    @Test
    void everyDocumentedCommandLineParses() throws IOException {
        int examples = 0;
        for (Path doc : List.of(LOAD.resolve("README.md"), LOAD.resolve("../docs/benchmarks.md"),
                LOAD.resolve("../README.md"))) {
            // Continuation lines (a trailing backslash, or a wrapped inline command starting with --) join their line.
            String text = Files.readString(doc).replaceAll("\\\\\\n\\s*", " ").replaceAll("\\n(--)", " $1");
            Matcher m = DOC_RUN.matcher(text);
            while (m.find()) {
                String scenario = m.group(1) != null ? m.group(1) : m.group(2);
                String rest = m.group(3).replaceAll("\\$\\([^)]*\\)|\\$(?:\\w+|!)|<[^>]*>", "1234").trim();
                List<String> args = new ArrayList<>(List.of(scenario));
                for (String a : rest.isEmpty() ? new String[0] : rest.split("\\s+")) {
                    // "R" (a rate in a table of runs) and "1000|3000" (alternatives) stand for numbers.
                    args.add(a.equals("R") ? "100" : a.contains("|") && !a.startsWith("-") ? a.split("\\|")[0] : a);
                }
                if (args.size() > 1 && args.get(1).equals("[options]")) {
                    args.remove(1);
                }
                String[] argv = args.toArray(new String[0]);
                assertThat(LoadOptions.parse(argv).scenario).as(doc + ": " + String.join(" ", argv)).isEqualTo(scenario);
                examples++;
            }
        }
        assertThat(examples).as("documented command lines").isGreaterThanOrEqualTo(10);
    }

    @Test
    void everyOptionTheReadmeNamesExists() throws IOException {
        String readme = Files.readString(LOAD.resolve("README.md"));
        Set<String> named = new TreeSet<>();
        Matcher m = Pattern.compile("(?<![\\w-])--([a-z][a-z0-9-]*)(?![\\w.-])").matcher(readme);
        while (m.find()) {
            named.add(m.group(1));
        }
        Set<String> known = LoadCommand.tree().getSubcommands().get("slow").getCommandSpec().options().stream()
                .flatMap(o -> Arrays.stream(o.names())).map(n -> n.replaceFirst("^--?", ""))
                .collect(Collectors.toSet());
        assertThat(named).isNotEmpty();
        assertThat(known).containsAll(named);
    }
}
