package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

/**
 * The README's Metrics table is what {@code /actuator/prometheus} shows: every documented metric, with its
 * documented tag, on a freshly started gateway (all meters are registered up front), and no {@code gateway_}
 * metric the table does not document.
 */
@GatewayTest
class MetricsTest {

    /** A row of the table: {@code | `gateway_x_total{tag}` | meaning |}. */
    private static final Pattern ROW = Pattern.compile("^\\| `(gateway_[a-z_]+)(?:\\{([a-z_,]+)})?` \\|");
    /** {@code # HELP name text} in the Prometheus text format. */
    private static final Pattern HELP = Pattern.compile("^# HELP (gateway_[a-z_]+) ", Pattern.MULTILINE);

    private final GatewayProbe gateway;

    MetricsTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void everyMetricTheReadmeDocumentsIsScrapedWithItsTag() throws IOException {
        Map<String, String> documented = documentedMetrics();
        String scrape = gateway.scrape();

        assertThat(documented).hasSizeGreaterThanOrEqualTo(13);
        documented.forEach((name, tag) -> {
            assertThat(scrape).as("HELP line of %s", name).containsPattern("(?m)^# HELP " + name + " \\S");
            Pattern sample = Pattern.compile("(?m)^" + name + "(_count|_sum|_bucket)?(\\{[^}]*})? ");
            assertThat(sample.matcher(scrape).find()).as("a sample of %s", name).isTrue();
            for (String key : tag == null ? new String[0] : tag.split(",")) {
                assertThat(scrape).as("%s carries the tag %s", name, key)
                        .containsPattern("(?m)^" + name + "\\{([^}]*,)?" + key + "=\"");
            }
        });
    }

    @Test
    void theGatewayShowsNoMetricTheReadmeDoesNotDocument() throws IOException {
        Set<String> documented = documentedMetrics().keySet();
        Set<String> scraped = new TreeSet<>();
        Matcher help = HELP.matcher(gateway.scrape());
        while (help.find()) {
            String name = help.group(1);
            // A distribution summary also shows its maximum as <name>_max, a part of the documented metric.
            scraped.add(name.endsWith("_max") && documented.contains(name.substring(0, name.length() - 4))
                    ? name.substring(0, name.length() - 4) : name);
        }

        assertThat(scraped).isNotEmpty().isSubsetOf(documented);
    }

    /** Metric name to its documented tags, comma-separated (null: none), read from the README's "## Metrics" section. */
    static Map<String, String> documentedMetrics() throws IOException {
        List<String> lines = Files.readAllLines(readme());
        Map<String, String> metrics = new LinkedHashMap<>();
        boolean inSection = false;
        for (String line : lines) {
            if (line.startsWith("## ")) {
                inSection = line.equals("## Metrics");
                continue;
            }
            Matcher row = ROW.matcher(line);
            if (inSection && row.find()) {
                metrics.put(row.group(1), row.group(2));
            }
        }
        return metrics;
    }

    private static Path readme() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("README.md"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new AssertionError("README.md not found above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve("README.md");
    }
}
