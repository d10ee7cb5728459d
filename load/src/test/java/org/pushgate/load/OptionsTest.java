package org.pushgate.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class OptionsTest {

    @Test
    void eachScenarioHasDefaultsThatFinishQuickly() {
        for (String s : Options.SCENARIOS) {
            Options o = Options.parse(s);
            assertThat(o.scenario).isEqualTo(s);
            assertThat(o.host).isEqualTo("127.0.0.1");
            assertThat(o.port).isEqualTo(8080);
            assertThat(o.durationMs).isPositive().isLessThanOrEqualTo(40_000);
        }
        assertThat(Options.parse("fanout").connections).isEqualTo(200);
        assertThat(Options.parse("channels").channels).isEqualTo(300);
        assertThat(Options.parse("churn").cycles).isEqualTo(2000);
    }

    @Test
    void laterOptionsWinSoScriptsCanPutDefaultsFirst() {
        Options o = Options.parse("fanout", "--connections", "10", "--port=9000", "--connections=20", "--quiet");
        assertThat(o.connections).isEqualTo(20);
        assertThat(o.port).isEqualTo(9000);
        assertThat(o.quiet).isTrue();
        assertThat(o.given).containsEntry("connections", "20").containsEntry("port", "9000");
    }

    @Test
    void parsesDurations() {
        assertThat(Options.duration("d", "30")).isEqualTo(30_000);
        assertThat(Options.duration("d", "30s")).isEqualTo(30_000);
        assertThat(Options.duration("d", "250ms")).isEqualTo(250);
        assertThat(Options.duration("d", "1.5m")).isEqualTo(90_000);
        assertThat(Options.duration("d", "1h")).isEqualTo(3_600_000);
        assertThatThrownBy(() -> Options.duration("d", "soon")).hasMessageContaining("--d");
        assertThatThrownBy(() -> Options.duration("d", "-1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parsesSourceAddressListsAndRanges() {
        assertThat(Options.sourceAddresses("127.0.0.1,127.0.0.2")).containsExactly("127.0.0.1", "127.0.0.2");
        assertThat(Options.sourceAddresses("127.0.0.1-127.0.0.4")).containsExactly("127.0.0.1", "127.0.0.2",
                "127.0.0.3", "127.0.0.4");
        assertThat(Options.sourceAddresses("127.0.0.5-6")).containsExactly("127.0.0.5", "127.0.0.6");
        assertThat(Options.sourceAddresses("auto")).isEmpty();
        assertThatThrownBy(() -> Options.sourceAddresses("10.0.0.1")).hasMessageContaining("loopback");
        assertThatThrownBy(() -> Options.sourceAddresses("127.0.0.9-127.0.0.3")).hasMessageContaining("range");
    }

    @Test
    void refusesTargetsOffThisMachineUnlessAllowed() {
        assertThatThrownBy(() -> Options.parse("connect", "--host", "192.168.1.10")).hasMessageContaining("loopback");
        assertThatThrownBy(() -> Options.parse("connect", "--host", "example.com")).hasMessageContaining("loopback");
        assertThat(Options.parse("connect", "--host", "localhost").host).isEqualTo("localhost");
        assertThat(Options.parse("connect", "--host", "127.0.0.7").host).isEqualTo("127.0.0.7");
    }

    @Test
    void rejectsUnknownOptionsBadValuesAndMissingScenario() {
        assertThatThrownBy(() -> Options.parse("fanout", "--bogus", "1")).hasMessageContaining("--bogus");
        assertThatThrownBy(() -> Options.parse("fanout", "--connections", "many")).hasMessageContaining("whole number");
        assertThatThrownBy(() -> Options.parse("fanout", "--connections")).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> Options.parse("nope")).hasMessageContaining("unknown scenario");
        assertThatThrownBy(() -> Options.parse()).hasMessageContaining("missing scenario");
        assertThatThrownBy(() -> Options.parse("slow", "--slow-fraction", "1")).hasMessageContaining("slow-fraction");
        assertThatThrownBy(() -> Options.parse("churn", "--abort", "kill")).hasMessageContaining("rst");
        assertThat(Options.parse("--help").help).isTrue();
        assertThat(Options.parse("worker", "fanout").worker).isTrue();
    }

    @Test
    void splitsLargeRunsOverProcessesAndSourceAddresses() {
        assertThat(Options.parse("connect", "--connections", "500").effectiveProcesses()).isEqualTo(1);
        assertThat(Options.parse("connect", "--connections", "19000").effectiveProcesses()).isEqualTo(2);
        assertThat(Options.parse("connect", "--connections", "40000").effectiveProcesses()).isEqualTo(3);
        assertThat(Options.parse("connect", "--connections", "40000", "--processes", "5").effectiveProcesses()).isEqualTo(5);
        assertThat(Options.parse("connect", "--connections", "19000").effectiveSourceAddresses(19000)).isEmpty();
        assertThat(Options.parse("connect").effectiveSourceAddresses(60_000))
                .containsExactly("127.0.0.1", "127.0.0.2", "127.0.0.3");
        assertThat(Options.parse("connect", "--source-addresses", "127.0.0.9").effectiveSourceAddresses(60_000))
                .containsExactly("127.0.0.9");
    }

    @Test
    void slowSubscribersAreSpreadEvenly() {
        List<Integer> slow = IntStream.range(0, 20).filter(i -> Options.isSlow(i, 0.25)).boxed().toList();
        assertThat(slow).containsExactly(3, 7, 11, 15, 19);
        assertThat(IntStream.range(0, 1000).filter(i -> Options.isSlow(i, 0.1)).count()).isEqualTo(100);
    }

    @Test
    void assignsChannelsRoundRobinInTheChannelsScenario() {
        Options o = Options.parse("channels", "--channels", "3", "--channel", "c");
        assertThat(o.channelOf(0)).isEqualTo("c-0");
        assertThat(o.channelOf(4)).isEqualTo("c-1");
        assertThat(Options.parse("fanout").channelOf(9)).isEqualTo("load-fanout");
    }

    @Test
    void usageNamesEveryScenarioAndItsOptions() {
        assertThat(Options.usage(null)).contains("connect, fanout, channels, churn, slow");
        assertThat(Options.usage("slow")).contains("--slow-fraction").contains("--server-pid");
        assertThat(Options.usage("churn")).contains("--cycles").contains("--heap-tolerance-mib");
    }
}
