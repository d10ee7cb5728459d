package org.pushgate.load.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.pushgate.load.report.Percentiles;

class MergedTest {

    private static WorkerResult report(long opened, long rampMs, long micros, long[] channelOpen) {
        Histogram h = Percentiles.newHistogram();
        h.recordValue(micros);
        WorkerResult r = new WorkerResult(Map.of("opened", opened, "rampMs", rampMs), Map.of("rejected_503", 1L), null,
                null, null, null, Map.of("latency1", Percentiles.encode(h)), channelOpen, 1.5, 10.0);
        // Through the line protocol, as the reports of child processes arrive.
        return WorkerLines.parseResult(WorkerLines.result(r));
    }

    @Test
    void addsCountersMapsHistogramsAndPerChannelCounts() {
        Merged m = Merged.of(List.of(report(10, 300, 1000, new long[] {1, 2}), report(5, 500, 3000, new long[] {3, 4})));
        assertThat(m.c("opened")).isEqualTo(15);
        assertThat(m.c("rampMs")).as("the slowest ramp, not the sum").isEqualTo(500);
        assertThat(m.map("failures")).containsEntry("rejected_503", 2L);
        assertThat(m.sum("failures")).isEqualTo(2);
        assertThat(m.h("latency1").getTotalCount()).isEqualTo(2);
        assertThat(m.p("latency1").maxMs()).isCloseTo(3.0, org.assertj.core.api.Assertions.within(0.01));
        assertThat(Arrays.stream(m.channelOpen).boxed().toList()).containsExactly(4L, 6L);
        assertThat(m.cpuSeconds).isEqualTo(3.0);
        assertThat(m.workers).isEqualTo(2);
        assertThat(m.h("absent").getTotalCount()).isZero();
    }

    @Test
    void sumsProgressLinesAndKeepsTheWorstP99() {
        WorkerProgress a = WorkerLines.parseProgress(
                "@progress {\"counters\":{\"open\":10,\"receivedAll\":100},\"cpuCores\":0.5,\"p99Ms\":2.5}");
        WorkerProgress b = WorkerLines.parseProgress(
                "@progress {\"counters\":{\"open\":7,\"receivedAll\":50},\"cpuCores\":0.25,\"p99Ms\":4.0}");
        WorkerProgress s = WorkerProgress.sum(Arrays.asList(a, null, b));
        assertThat(s.counters()).containsEntry("open", 17L).containsEntry("receivedAll", 150L);
        assertThat(s.p99Ms()).isEqualTo(4.0);
        assertThat(s.cpuCores()).isEqualTo(0.75);
    }

    @Test
    void sumsAFigureOneWorkerReportsAsADecimalAndAnotherAsAnInteger() {
        // A child JVM's JSON may carry 0.0 where another's carries 0 (or 1 where another has 0.5).
        WorkerProgress a = WorkerLines.parseProgress("@progress {\"cpuCores\":0.5,\"counters\":{\"open\":3}}");
        WorkerProgress b = WorkerLines.parseProgress("@progress {\"cpuCores\":1,\"counters\":{\"open\":4}}");
        WorkerProgress s = WorkerProgress.sum(Arrays.asList(a, b));
        assertThat(s.cpuCores()).isEqualTo(1.5);
        assertThat(s.count("open")).isEqualTo(7);
        assertThat(s.p99Ms()).isNull();
        assertThat(WorkerProgress.sum(Arrays.asList(b, a)).cpuCores()).isEqualTo(1.5);
    }

    @Test
    void otherLinesAreNotProtocol() {
        assertThat(WorkerLines.parseProgress("[worker] hello")).isNull();
        assertThat(WorkerLines.parseResult("@progress {}")).isNull();
    }
}
