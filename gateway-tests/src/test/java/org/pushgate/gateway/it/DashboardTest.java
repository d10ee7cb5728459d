package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;

import tools.jackson.databind.JsonNode;

/**
 * {@code docs/grafana-dashboard.json} cannot rot: it imports (a Prometheus datasource input that every panel and
 * query uses), every metric name in every panel expression is one the gateway exports (a {@code gateway_} name of the
 * README's Metrics table, with Prometheus's suffixes for histograms, and seen in a real scrape, as is every other
 * name such as {@code jvm_memory_used_bytes}), and every alert of {@code docs/alerts.yml} has a panel that names it
 * and queries every metric its expression uses.
 */
@GatewayTest
class DashboardTest {

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern LABEL_LISTS = Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w:$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
            "ignoring", "group_left", "group_right", "inf", "nan", "Inf", "NaN");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)");
    private static final Pattern ALERT = Pattern.compile("^\\s*- alert: (\\S+)\\s*$");
    private static final Pattern EXPR = Pattern.compile("^\\s*expr: (.+)$");

    private final GatewayProbe gateway;

    DashboardTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void metricNamesAreTakenFromAnExpressionAndNothingElse() {
        assertThat(metricNames("sum by (instance, reason) (rate(gateway_messages_dropped_total{instance=~\"$instance\", "
                + "reason=\"slow_consumer\"}[$__rate_interval])) / on(instance) group_left clamp_min(gateway_connections_active, 1) > 0.9"))
                .containsExactlyInAnyOrder("gateway_messages_dropped_total", "gateway_connections_active");
        assertThat(metricNames("2 * gateway_connections_active + 10 and jvm_memory_used_bytes{area=\"heap\"} offset 5m"))
                .containsExactlyInAnyOrder("gateway_connections_active", "jvm_memory_used_bytes");
        assertThat(metricNames("increase(gateway_orphans_reclaimed_total[15m]) > 0")).containsExactly("gateway_orphans_reclaimed_total");
    }

    @Test
    void theDashboardImportsWithAPrometheusDatasourceInputThatEveryQueryUses() throws IOException {
        JsonNode dashboard = dashboard();

        JsonNode input = dashboard.get("__inputs").get(0);
        assertThat(Json.text(input, "type")).isEqualTo("datasource");
        assertThat(Json.text(input, "pluginId")).isEqualTo("prometheus");
        String uid = "${" + Json.text(input, "name") + "}";
        assertThat(dashboard.get("id").isNull()).as("an import gets its own id").isTrue();
        assertThat(Json.text(dashboard, "uid")).isNotBlank();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : panels(dashboard)) {
            assertThat(ids.add(panel.get("id").asInt())).as("panel id %s is unique", panel.get("id")).isTrue();
            assertThat(panel.get("gridPos").get("w").asInt()).as(title(panel)).isBetween(1, 24);
            if (panel.has("targets")) {
                assertThat(Json.text(panel.get("datasource"), "uid")).as(title(panel)).isEqualTo(uid);
                for (JsonNode target : panel.get("targets")) {
                    assertThat(Json.text(target.get("datasource"), "uid")).as(title(panel)).isEqualTo(uid);
                    assertThat(Json.text(target, "expr")).as(title(panel)).isNotBlank();
                }
            }
        }
        for (JsonNode variable : dashboard.get("templating").get("list")) {
            assertThat(Json.text(variable.get("datasource"), "uid")).isEqualTo(uid);
        }
    }

    @Test
    void everyMetricInEveryPanelIsOneTheGatewayExports() throws IOException {
        Set<String> documented = MetricsTest.documentedMetrics().keySet();
        Set<String> scraped = new TreeSet<>();
        for (String line : gateway.scrape().split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (!line.startsWith("#") && sample.find()) {
                scraped.add(sample.group(1));
            }
        }
        Map<String, Set<String>> used = new LinkedHashMap<>();
        for (JsonNode panel : panels(dashboard())) {
            for (String expr : exprs(panel)) {
                used.computeIfAbsent(title(panel), t -> new TreeSet<>()).addAll(metricNames(expr));
            }
        }
        // The template variable's query names a metric too.
        String variable = Json.text(dashboard().get("templating").get("list").get(0), "definition");
        used.put("variable instance", metricNames(variable.replaceFirst("^label_values\\(([^,]+),.*$", "$1")));

        assertThat(used).hasSizeGreaterThan(10);
        used.forEach((panel, names) -> {
            assertThat(names).as("panel '%s' queries a metric", panel).isNotEmpty();
            for (String name : names) {
                if (name.startsWith("gateway_")) {
                    assertThat(documented.contains(name) || documented.contains(name.replaceFirst("_(bucket|count|sum|max)$", "")))
                            .as("panel '%s': %s is a metric of the README's Metrics table", panel, name).isTrue();
                }
                assertThat(scraped).as("panel '%s': the gateway's scrape shows %s", panel, name).contains(name);
            }
        });
    }

    @Test
    void everyAlertHasAPanelThatNamesItAndQueriesEveryMetricOfItsExpression() throws IOException {
        Map<String, String> alerts = alerts();
        List<JsonNode> panels = panels(dashboard());

        assertThat(alerts).hasSizeGreaterThanOrEqualTo(10);
        alerts.forEach((alert, expr) -> {
            List<JsonNode> naming = panels.stream()
                    .filter(p -> title(p).contains(alert) || Json.text(p, "description") != null && Json.text(p, "description").contains(alert))
                    .toList();
            assertThat(naming).as("a panel names the alert %s", alert).isNotEmpty();
            Set<String> queried = new TreeSet<>();
            naming.forEach(p -> exprs(p).forEach(e -> queried.addAll(metricNames(e))));
            assertThat(queried).as("the panels of %s query every metric of '%s'", alert, expr).containsAll(metricNames(expr));
        });
    }

    /** The metric names an expression selects: no functions, keywords, labels, strings, ranges or variables. */
    static Set<String> metricNames(String expr) {
        String stripped = STRING.matcher(expr).replaceAll("\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ");
        stripped = LABEL_LISTS.matcher(stripped).replaceAll(" ").replaceAll("\\$\\{?\\w+}?", " ");
        Set<String> names = new TreeSet<>();
        Matcher identifier = IDENTIFIER.matcher(stripped);
        while (identifier.find()) {
            String name = identifier.group(1);
            if (identifier.group(2) == null && !KEYWORDS.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    private static List<String> exprs(JsonNode panel) {
        List<String> exprs = new ArrayList<>();
        if (panel.has("targets")) {
            panel.get("targets").forEach(t -> exprs.add(Json.text(t, "expr")));
        }
        return exprs;
    }

    private static String title(JsonNode panel) {
        return Json.text(panel, "title");
    }

    /** Every panel, those inside collapsed rows too. */
    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            all.add(panel);
            if (panel.has("panels")) {
                panel.get("panels").forEach(all::add);
            }
        }
        return all;
    }

    private static JsonNode dashboard() throws IOException {
        return Json.parse(Files.readString(repo().resolve("docs/grafana-dashboard.json")));
    }

    /** Alert name to its expression, read from docs/alerts.yml (every expr there is one line). */
    private static Map<String, String> alerts() throws IOException {
        Map<String, String> alerts = new LinkedHashMap<>();
        String current = null;
        for (String line : Files.readAllLines(repo().resolve("docs/alerts.yml"))) {
            Matcher alert = ALERT.matcher(line);
            Matcher expr = EXPR.matcher(line);
            if (alert.find()) {
                current = alert.group(1);
            } else if (expr.find() && current != null) {
                alerts.put(current, expr.group(1));
                current = null;
            }
        }
        return alerts;
    }

    private static Path repo() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("docs/alerts.yml"))) {
                return dir;
            }
        }
        return fail("no docs/alerts.yml above %s", Path.of("").toAbsolutePath());
    }
}
