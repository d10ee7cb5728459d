package org.pushgate.load.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class PercentilesTest {

    private static Histogram oneToThousandMillis() {
        Histogram h = Percentiles.newHistogram();
        for (int ms = 1; ms <= 1000; ms++) {
            h.recordValue(ms * 1000L);
        }
        return h;
    }

    @Test
    void summarisesInMillisecondsWithinThreeSignificantDigits() {
        Percentiles p = Percentiles.of(oneToThousandMillis());
        assertThat(p.count()).isEqualTo(1000);
        assertThat(p.minMs()).isCloseTo(1.0, within(0.01));
        assertThat(p.p50Ms()).isCloseTo(500, within(1.0));
        assertThat(p.p90Ms()).isCloseTo(900, within(1.0));
        assertThat(p.p99Ms()).isCloseTo(990, within(1.0));
        assertThat(p.p999Ms()).isCloseTo(999, within(1.0));
        assertThat(p.maxMs()).isCloseTo(1000, within(1.0));
        assertThat(p.meanMs()).isCloseTo(500.5, within(0.5));
        assertThat(p.distribution()).isNotEmpty();
        assertThat(p.distribution().get(p.distribution().size() - 1)[0]).isEqualTo(100.0);
        assertThat(p.line()).contains("p99 990").contains("n=1000");
    }

    @Test
    void anEmptyHistogramIsAllZeros() {
        Percentiles p = Percentiles.of(Percentiles.newHistogram());
        assertThat(p.count()).isZero();
        assertThat(p.p99Ms()).isZero();
        assertThat(p.line()).isEqualTo("n=0");
    }

    @Test
    void histogramsSurviveEncodingAndAddUpAcrossProcesses() {
        Histogram a = oneToThousandMillis();
        Histogram b = Percentiles.decode(Percentiles.encode(oneToThousandMillis()));
        assertThat(b.getTotalCount()).isEqualTo(1000);
        a.add(b);
        assertThat(Percentiles.of(a).count()).isEqualTo(2000);
        assertThat(Percentiles.of(a).p50Ms()).isCloseTo(500, within(1.0));
    }

    @Test
    void roundTripsThroughJson() {
        Percentiles p = Percentiles.of(oneToThousandMillis());
        Percentiles back = JsonCodec.read(JsonCodec.write(p), Percentiles.class);
        assertThat(back.p99Ms()).isEqualTo(p.p99Ms());
        assertThat(back.count()).isEqualTo(p.count());
        assertThat(back.distribution()).hasSameSizeAs(p.distribution());
    }
}
