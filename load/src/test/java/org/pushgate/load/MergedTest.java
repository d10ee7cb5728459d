package org.pushgate.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class MergedTest {

    private static Map<String, Object> report(long opened, long rampMs, long micros, long[] channelOpen) {
        Histogram h = Percentiles.newHistogram();
        h.recordValue(micros);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("counters", Map.of("opened", opened, "rampMs", rampMs));
        r.put("failures", Map.of("rejected_503", 1L));
        r.put("histograms", Map.of("latency1", Percentiles.encode(h)));
        r.put("channelOpen", channelOpen);
        r.put("cpuSeconds", 1.5);
        r.put("wallSeconds", 10.0);
        // Through JSON, as the reports of child processes arrive.
        return Json.parseObject(Json.write(r));
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
        Map<String, Object> a = Json.parseObject("{\"open\":10,\"receivedAll\":100,\"cpuCores\":0.5,\"p99Ms\":2.5}");
        Map<String, Object> b = Json.parseObject("{\"open\":7,\"receivedAll\":50,\"cpuCores\":0.25,\"p99Ms\":4.0}");
        Map<String, Object> s = Merged.sumProgress(Arrays.asList(a, null, b));
        assertThat(s).containsEntry("open", 17L).containsEntry("receivedAll", 150L).containsEntry("p99Ms", 4.0);
        assertThat((Double) s.get("cpuCores")).isEqualTo(0.75);
    }

    @Test
    void sumsAFigureOneWorkerReportsAsADecimalAndAnotherAsAnInteger() {
        // A child JVM's JSON may carry 0.0 where another's carries 0 (or 1 where another has 0.5).
        Map<String, Object> a = Json.parseObject("{\"cpuCores\":0.5,\"open\":3}");
        Map<String, Object> b = Json.parseObject("{\"cpuCores\":1,\"open\":4}");
        Map<String, Object> s = Merged.sumProgress(Arrays.asList(a, b));
        assertThat(((Number) s.get("cpuCores")).doubleValue()).isEqualTo(1.5);
        assertThat(s).containsEntry("open", 7L);
        Map<String, Object> reversed = Merged.sumProgress(Arrays.asList(b, a));
        assertThat(((Number) reversed.get("cpuCores")).doubleValue()).isEqualTo(1.5);
    }
}
