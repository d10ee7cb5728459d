package org.pushgate.load.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Line charts as inline SVG, for the self-contained HTML report (no scripts, no external resources). Two x
 * scales: linear (time) and the percentile scale of latency distributions, where x = log10(1 / (1 - p)) so that
 * 90%, 99%, 99.9% ... are evenly spaced and the tail is visible.
 */
final class SvgChart {

    static final String[] PALETTE = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"};

    record Series(String name, List<double[]> points) {
    }

    /** A labelled vertical line on a time chart (e.g. where a phase starts). */
    record Marker(double x, String label) {
    }

    private static final int W = 760;
    private static final int H = 300;
    private static final int LEFT = 70;
    private static final int RIGHT = 40;
    private static final int TOP = 46;
    private static final int BOTTOM = 46;

    private SvgChart() {
    }

    /** x position on the percentile scale, capped at 99.9999%. */
    static double percentileX(double percentile) {
        double p = Math.min(percentile, 99.9999) / 100.0;
        return Math.log10(1.0 / (1.0 - p));
    }

    static String percentileChart(String title, String yLabel, List<Series> series) {
        List<Series> transformed = new ArrayList<>();
        double maxX = 1;
        for (Series s : series) {
            List<double[]> pts = new ArrayList<>();
            for (double[] p : s.points()) {
                double x = percentileX(p[0]);
                maxX = Math.max(maxX, x);
                pts.add(new double[] {x, p[1]});
            }
            transformed.add(new Series(s.name(), pts));
        }
        int decades = (int) Math.min(6, Math.ceil(maxX));
        List<double[]> ticks = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        String[] names = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"};
        for (int d = 0; d <= decades; d++) {
            ticks.add(new double[] {d});
            labels.add(names[d]);
        }
        return render(title, "percentile", yLabel, transformed, 0, decades, ticks, labels, List.of());
    }

    static String timeChart(String title, String yLabel, List<Series> series) {
        return timeChart(title, yLabel, series, List.of());
    }

    static String timeChart(String title, String yLabel, List<Series> series, List<Marker> markers) {
        double maxX = 1;
        for (Series s : series) {
            for (double[] p : s.points()) {
                maxX = Math.max(maxX, p[0]);
            }
        }
        double step = niceStep(maxX / 8);
        List<double[]> ticks = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (double x = 0; x <= maxX + 1e-9; x += step) {
            ticks.add(new double[] {x});
            labels.add(fmt(x) + "s");
        }
        return render(title, "time", yLabel, series, 0, maxX, ticks, labels, markers);
    }

    private static String render(String title, String xLabel, String yLabel, List<Series> series, double minX,
                                 double maxX, List<double[]> xTicks, List<String> xLabels, List<Marker> markers) {
        double maxY = 0;
        for (Series s : series) {
            for (double[] p : s.points()) {
                if (Double.isFinite(p[1])) {
                    maxY = Math.max(maxY, p[1]);
                }
            }
        }
        double yStep = niceStep(maxY <= 0 ? 1 : maxY / 5);
        double topY = Math.max(yStep, Math.ceil(maxY / yStep) * yStep);
        if (maxX <= minX) {
            maxX = minX + 1;
        }
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        StringBuilder sb = new StringBuilder(4096);
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(W).append(' ').append(H)
                .append("\" width=\"").append(W).append("\" height=\"").append(H)
                .append("\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">");
        sb.append("<title>").append(esc(title)).append("</title>");
        sb.append("<rect x=\"0\" y=\"0\" width=\"").append(W).append("\" height=\"").append(H).append("\" fill=\"#fff\"/>");
        sb.append("<text x=\"").append(LEFT).append("\" y=\"18\" font-size=\"14\" font-weight=\"bold\">")
                .append(esc(title)).append("</text>");
        // Grid and y axis labels.
        for (double y = 0; y <= topY + 1e-9; y += yStep) {
            double py = TOP + plotH - (y / topY) * plotH;
            sb.append(String.format(Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>", LEFT, py, LEFT + plotW, py));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
                    LEFT - 6, py + 4, esc(fmt(y))));
        }
        for (int i = 0; i < xTicks.size(); i++) {
            double px = LEFT + (xTicks.get(i)[0] - minX) / (maxX - minX) * plotW;
            sb.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#f0f0f0\"/>", px, TOP, px, TOP + plotH));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                    px, TOP + plotH + 16, esc(xLabels.get(i))));
        }
        sb.append(String.format(Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>", LEFT, TOP, plotW, plotH));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                LEFT + plotW / 2, H - 8, esc(xLabel)));
        sb.append(String.format(Locale.ROOT,
                "<text x=\"14\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">%s</text>",
                TOP + plotH / 2, TOP + plotH / 2, esc(yLabel)));
        for (Marker m : markers) {
            double px = LEFT + (m.x() - minX) / (maxX - minX) * plotW;
            sb.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>",
                    px, TOP, px, TOP + plotH));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#555\" font-size=\"10\">%s</text>",
                    px + 3, TOP + 11, esc(m.label())));
        }
        // Series, and their legend in a row under the title.
        int legendX = LEFT;
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String color = PALETTE[i % PALETTE.length];
            StringBuilder pts = new StringBuilder();
            for (double[] p : s.points()) {
                if (!Double.isFinite(p[0]) || !Double.isFinite(p[1])) {
                    continue;
                }
                double px = LEFT + (p[0] - minX) / (maxX - minX) * plotW;
                double py = TOP + plotH - (Math.min(p[1], topY) / topY) * plotH;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
            }
            sb.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"1.8\" points=\"")
                    .append(pts.toString().strip()).append("\"><title>").append(esc(s.name())).append("</title></polyline>");
            sb.append(String.format(Locale.ROOT,
                    "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"3\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>",
                    legendX, TOP - 14, color, legendX + 18, TOP - 10, esc(s.name())));
            legendX += 30 + (int) (6.2 * s.name().length());
        }
        if (series.isEmpty() || series.stream().allMatch(s -> s.points().isEmpty())) {
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#999\">no data</text>",
                    LEFT + plotW / 2, TOP + plotH / 2));
        }
        sb.append("</svg>");
        return sb.toString();
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        if (!(raw > 0) || !Double.isFinite(raw)) {
            return 1;
        }
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double r = raw / mag;
        double nice = r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10;
        return nice * mag;
    }

    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            long l = (long) v;
            if (Math.abs(l) >= 1_000_000 && l % 100_000 == 0) {
                return String.format(Locale.ROOT, "%.1fM", l / 1e6);
            }
            if (Math.abs(l) >= 10_000 && l % 1000 == 0) {
                return (l / 1000) + "k";
            }
            return Long.toString(l);
        }
        if (Math.abs(v) >= 1) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
