package org.pushgate.load.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

public class PrometheusTextTest {

    public static final String SCRAPE = """
            # HELP gateway_connections_active Open WebSocket connections
            # TYPE gateway_connections_active gauge
            gateway_connections_active 12.0
            gateway_subscriptions_active 30
            # TYPE gateway_messages_dropped_total counter
            gateway_messages_dropped_total{reason="overflow"} 5.0
            gateway_messages_dropped_total{reason="drop_oldest"} 2.0
            gateway_disconnects_total{reason="slow_consumer"} 3.0
            gateway_disconnects_total{reason="client_close"} 40.0
            jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.048576E7
            jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 2.097152E7
            jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 5.0E7
            weird_label{path="a \\"b\\" c",other="x\\\\y"} 1 1700000000000
            special{kind="nan"} NaN
            special{kind="inf"} +Inf
            not a sample line
            broken{label="unterminated 3
            """;

    @Test
    void sumsSeriesAndFiltersByLabels() {
        PrometheusText t = PrometheusText.parse(SCRAPE);
        assertThat(t.sum("gateway_connections_active")).isEqualTo(12.0);
        assertThat(t.sum("gateway_messages_dropped_total")).isEqualTo(7.0);
        assertThat(t.sum("jvm_memory_used_bytes", Map.of("area", "heap"))).isEqualTo(31457280.0);
        assertThat(t.sumBy("gateway_disconnects_total", "reason"))
                .containsEntry("slow_consumer", 3.0).containsEntry("client_close", 40.0);
        assertThat(t.sum("absent_metric")).isNaN();
        assertThat(t.has("gateway_subscriptions_active")).isTrue();
    }

    @Test
    void parsesEscapedLabelValuesTimestampsAndSpecialValues() {
        PrometheusText t = PrometheusText.parse(SCRAPE);
        PrometheusText.Sample weird = t.samples().stream().filter(s -> s.name().equals("weird_label")).findFirst().orElseThrow();
        assertThat(weird.labels()).containsEntry("path", "a \"b\" c").containsEntry("other", "x\\y");
        assertThat(weird.value()).isEqualTo(1.0);
        assertThat(t.sum("special", Map.of("kind", "inf"))).isInfinite();
        assertThat(t.sum("special", Map.of("kind", "nan"))).isNaN();
        assertThat(t.has("broken")).isFalse();
    }

    @Test
    void theReportFiguresAndTheirDeltas() {
        Map<String, Object> before = ServerProbe.figures(PrometheusText.parse(SCRAPE));
        Map<String, Object> after = ServerProbe.figures(PrometheusText.parse(
                SCRAPE.replace("gateway_connections_active 12.0", "gateway_connections_active 15")
                        .replace("reason=\"slow_consumer\"} 3.0", "reason=\"slow_consumer\"} 10")));
        assertThat(before.get("connectionsActive")).isEqualTo(12L);
        assertThat(before.get("heapUsedBytes")).isEqualTo(31457280L);
        assertThat(before.get("messagesDelivered")).isNull();
        Map<String, Object> d = ServerProbe.delta(before, after);
        assertThat(d.get("connectionsActive")).isEqualTo(3L);
        assertThat(ServerProbe.counts(d, "disconnectsByReason")).containsEntry("slow_consumer", 7.0).containsEntry("client_close", 0.0);
        assertThat(ServerProbe.figures(PrometheusText.empty())).isEmpty();
    }
}
