package org.pushgate.load.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.pushgate.load.cli.LoadOptions;
import org.pushgate.load.client.PrometheusText;
import org.pushgate.load.client.PrometheusTextTest;
import org.pushgate.load.client.ServerProbe;
import org.w3c.dom.Document;

class ReportRenderingTest {

    private static Document xml(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aPercentileChartIsWellFormedSvgWithOneLinePerSeries() throws Exception {
        Histogram h = Percentiles.newHistogram();
        for (int i = 1; i <= 10_000; i++) {
            h.recordValue(i);
        }
        Percentiles p = Percentiles.of(h);
        String svg = SvgChart.percentileChart("Latency <&>", "ms",
                List.of(new SvgChart.Series("a", p.distribution()), new SvgChart.Series("b \"q\"", p.distribution())));
        Document d = xml(svg);
        assertThat(d.getDocumentElement().getTagName()).isEqualTo("svg");
        assertThat(d.getElementsByTagName("polyline").getLength()).isEqualTo(2);
        assertThat(svg).contains("99.9%").contains("Latency &lt;&amp;&gt;");
    }

    @Test
    void theFailedChecksAreNamedInTheOrderTheyWereMade() {
        Report report = new Report("fanout");
        report.check("publish rate kept (1)", false, "asked 150/s, kept 120/s");
        report.check("every connection established", true, "1000 / 1000");
        report.check("no frame lost", false, "3 missing");
        assertThat(report.pass()).isFalse();
        assertThat(report.failedChecks()).containsExactly("publish rate kept (1)", "no frame lost");
        assertThat(new Report("connect").failedChecks()).isEmpty();
    }

    @Test
    void thePercentileScaleSpacesNinesEvenly() {
        assertThat(SvgChart.percentileX(0)).isEqualTo(0.0);
        assertThat(SvgChart.percentileX(90)).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(SvgChart.percentileX(99.9)).isCloseTo(3.0, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(SvgChart.percentileX(100)).isCloseTo(6.0, org.assertj.core.api.Assertions.within(1e-6));
    }

    @Test
    void timeChartsHandleEmptyAndFlatSeries() throws Exception {
        xml(SvgChart.timeChart("empty", "x", List.of()));
        String flat = SvgChart.timeChart("flat", "n", List.of(new SvgChart.Series("zero",
                List.of(new double[] {0, 0}, new double[] {1, 0}, new double[] {2, Double.NaN}))));
        assertThat(xml(flat).getElementsByTagName("polyline").getLength()).isEqualTo(1);
        assertThat(flat).doesNotContain("NaN");
    }

    @Test
    void niceStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        assertThat(SvgChart.niceStep(0.7)).isEqualTo(1.0);
        assertThat(SvgChart.niceStep(1.3)).isEqualTo(2.0);
        assertThat(SvgChart.niceStep(37)).isEqualTo(50.0);
        assertThat(SvgChart.niceStep(0)).isEqualTo(1.0);
    }

    @Test
    void theHtmlReportIsSelfContainedAndShowsVerdictChartsAndServerFigures() throws Exception {
        Report r = new Report("fanout");
        Histogram h = Percentiles.newHistogram();
        for (int i = 1; i <= 1000; i++) {
            h.recordValue(i * 10L);
        }
        r.latency("Publish-to-receive", "measured", Percentiles.of(h));
        r.summary.put("delivery ratio", 0.9995);
        r.check("delivery ratio", true, "0.9995 of 1000");
        r.check("subscribers kept", false, "2 closed <by> gateway");
        r.warn("generator <busy>");
        List<SeriesPoint> series = new ArrayList<>();
        for (int t = 1; t <= 5; t++) {
            series.add(new SeriesPoint(t, "measure", 100, 10.0, 1000.0 * t, 0, 0, 0, 0.5, null, null, 50.0 + t, null,
                    null, null, null, null));
        }
        r.put("series", series);
        Map<String, Object> server = new LinkedHashMap<>();
        Map<String, Object> before = ServerProbe.figures(PrometheusText.parse(PrometheusTextTest.SCRAPE));
        server.put("before", before);
        server.put("after", before);
        server.put("delta", ServerProbe.delta(before, before));
        r.put("server", server);
        r.put("connections", Map.of("established", 100L, "failuresByCause", Map.of()));
        String html = HtmlReport.render(r.finish());

        assertThat(html).startsWith("<!DOCTYPE html>").contains("FAIL").contains("2 closed &lt;by&gt; gateway")
                .contains("generator &lt;busy&gt;").contains("connectionsActive");
        assertThat(html).doesNotContain("<script").doesNotContain("<link").doesNotContain("src=\"http");
        Matcher urls = Pattern.compile("https?://[^\"\\s<]+").matcher(html);
        while (urls.find()) {
            assertThat(urls.group()).isEqualTo("http://www.w3.org/2000/svg");
        }
        Matcher svgs = Pattern.compile("<svg.*?</svg>", Pattern.DOTALL).matcher(html);
        int charts = 0;
        while (svgs.find()) {
            xml(svgs.group());
            charts++;
        }
        // latency distribution, deliveries/s, publishes/s, connections, CPU, gateway memory
        assertThat(charts).isEqualTo(6);
        assertThat(html).contains("Deliveries per second").contains("Open connections").contains("percentile distribution");
    }

    @Test
    void theJsonResultAndTheHtmlReportAreWrittenSideBySide(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Report r = new Report("connect");
        r.check("x", true, "ok");
        LoadOptions o = LoadOptions.parse("connect", "--out", dir.resolve("sub/connect-1.json").toString());
        List<java.nio.file.Path> files = r.write(o);
        assertThat(files).extracting(f -> f.getFileName().toString()).containsExactly("connect-1.json", "connect-1.html");
        tools.jackson.databind.JsonNode back = JsonCodec.read(java.nio.file.Files.readString(files.get(0)));
        assertThat(back.path("verdict").path("pass").asBoolean()).isEqualTo(true);
        assertThat(Report.htmlPathFor(java.nio.file.Path.of("a/b.json"))).isEqualTo(java.nio.file.Path.of("a/b.html"));
    }
}
