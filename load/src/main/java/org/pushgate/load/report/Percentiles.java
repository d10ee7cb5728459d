package org.pushgate.load.report;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.DataFormatException;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The summary of one latency histogram, in milliseconds. Histograms record microseconds (1 us .. 1 h, three
 * significant digits), so that a summary of one run, and the merge of several processes' histograms, agree.
 *
 * @param distribution points {@code [percentile, ms]} of the percentile distribution, for the chart
 */
public record Percentiles(long count, double minMs, double meanMs, double p50Ms, double p90Ms, double p99Ms,
                          double p999Ms, double maxMs, List<double[]> distribution) {

    public static final long HIGHEST_MICROS = 3_600_000_000L;

    /** A latency in microseconds, within the histograms' range. */
    public static long clampMicros(long micros) {
        return Math.max(1, Math.min(HIGHEST_MICROS, micros));
    }

    public static Histogram newHistogram() {
        return new Histogram(1, HIGHEST_MICROS, 3);
    }

    public static Percentiles of(Histogram micros) {
        if (micros.getTotalCount() == 0) {
            return new Percentiles(0, 0, 0, 0, 0, 0, 0, 0, List.of());
        }
        List<double[]> dist = new ArrayList<>();
        for (HistogramIterationValue v : micros.percentiles(5)) {
            double pct = v.getPercentileLevelIteratedTo();
            dist.add(new double[] {round(pct, 5), ms(v.getValueIteratedTo())});
            if (pct >= 100.0 || dist.size() >= 400) {
                break;
            }
        }
        return new Percentiles(micros.getTotalCount(), ms(micros.getMinValue()), round(micros.getMean() / 1000.0, 3),
                ms(micros.getValueAtPercentile(50)), ms(micros.getValueAtPercentile(90)),
                ms(micros.getValueAtPercentile(99)), ms(micros.getValueAtPercentile(99.9)),
                ms(micros.getMaxValue()), dist);
    }

    private static double ms(long micros) {
        return round(micros / 1000.0, 3);
    }

    public static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /** One line for the console: {@code n=.. p50 .. p90 .. p99 .. p99.9 .. max .. ms}. */
    public String line() {
        if (count == 0) {
            return "n=0";
        }
        return String.format("n=%d  p50 %s  p90 %s  p99 %s  p99.9 %s  max %s ms", count, fmt(p50Ms), fmt(p90Ms),
                fmt(p99Ms), fmt(p999Ms), fmt(maxMs));
    }

    public static String fmt(double ms) {
        if (ms >= 100) {
            return String.format("%.0f", ms);
        }
        if (ms >= 10) {
            return String.format("%.1f", ms);
        }
        return String.format("%.2f", ms);
    }

    // ---- histograms across processes -----------------------------------------------------------------

    public static String encode(Histogram h) {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int len = h.encodeIntoCompressedByteBuffer(buf);
        byte[] bytes = new byte[len];
        buf.flip();
        buf.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    public static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        }
        catch (DataFormatException e) {
            throw new IllegalArgumentException("bad histogram encoding", e);
        }
    }
}
