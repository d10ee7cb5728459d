package org.pushgate.load.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LimitsTest {

    @Test
    void warnsWhenOneProcessWouldExceedItsOpenFiles() {
        assertThat(Limits.check(19_600, 1, 1, 20_000, new int[] {32768, 60999})).anyMatch(w -> w.contains("ulimit -n"));
        assertThat(Limits.check(19_000, 1, 1, 20_000, new int[] {32768, 60999})).isEmpty();
    }

    @Test
    void warnsWhenOneSourceAddressWouldRunOutOfEphemeralPorts() {
        assertThat(Limits.check(40_000, 3, 1, 20_000, new int[] {32768, 60999})).anyMatch(w -> w.contains("source-addresses"));
        assertThat(Limits.check(40_000, 3, 2, 20_000, new int[] {32768, 60999})).isEmpty();
    }

    @Test
    void parsesThePortRange() {
        assertThat(Limits.parsePortRange("32768\t60999\n")).containsExactly(32768, 60999);
        assertThat(Limits.parsePortRange("garbage")).isNull();
        assertThat(Limits.parsePortRange(null)).isNull();
    }
}
