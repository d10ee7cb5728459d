package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * docs/alerts.yml is checked the Prometheus way: {@code promtool check rules} accepts every rule, and
 * {@code promtool test rules docs/alerts.test.yml} passes, with a test of every alert. Never skipped: without
 * promtool this fails, so that a green build means the rules were checked.
 */
class AlertRulesTest {

    private static final String INSTALL_HINT =
            "install Debian's prometheus package (apt-get install -y prometheus) for promtool";
    private static final long TIMEOUT_SECONDS = 60;
    private static final Pattern ALERT = Pattern.compile("^\\s*-\\s*alert:\\s*(\\S+)\\s*$", Pattern.MULTILINE);
    private static final Pattern TESTED_ALERT = Pattern.compile("^\\s*alertname:\\s*(\\S+)\\s*$", Pattern.MULTILINE);

    private final Path docs = docsDirectory();

    @Test
    void promtoolAcceptsEveryRule() {
        assertPromtoolSucceeds("check", "rules", "alerts.yml");
    }

    @Test
    void promtoolUnitTestsPass() {
        assertPromtoolSucceeds("test", "rules", "alerts.test.yml");
    }

    @Test
    void everyAlertHasAUnitTest() throws IOException {
        // promtool runs the tests that exist; it does not notice an alert that has none.
        Set<String> alerts = matches(ALERT, Files.readString(docs.resolve("alerts.yml")));
        Set<String> tested = matches(TESTED_ALERT, Files.readString(docs.resolve("alerts.test.yml")));
        assertThat(alerts).as("alerts in docs/alerts.yml").isNotEmpty();
        assertThat(tested).as("alerts tested in docs/alerts.test.yml").isEqualTo(alerts);
    }

    private void assertPromtoolSucceeds(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(promtool());
        command.addAll(List.of(arguments));
        try {
            Path output = Files.createTempFile("promtool", ".out");
            try {
                // Output to a file, not a pipe: a chatty promtool can then never block on a full pipe buffer.
                Process process = new ProcessBuilder(command)
                        .directory(docs.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .start();
                if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    fail("%s did not finish within %d s; output so far:%n%s",
                            String.join(" ", command), TIMEOUT_SECONDS, read(output));
                }
                assertThat(process.exitValue())
                        .as("exit code of `%s` in %s; its output:%n%s", String.join(" ", command), docs, read(output))
                        .isZero();
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new AssertionError("could not run " + String.join(" ", command) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + String.join(" ", command), e);
        }
    }

    private static String promtool() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String directory : path.split(File.pathSeparator)) {
            if (directory.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(directory, "promtool");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return fail("promtool is not on the PATH (%s): %s", path, INSTALL_HINT);
    }

    /** The repository's docs/ directory, found upwards from the working directory (the module's, under Maven). */
    private static Path docsDirectory() {
        for (Path directory = Path.of("").toAbsolutePath(); directory != null; directory = directory.getParent()) {
            if (Files.isRegularFile(directory.resolve("docs").resolve("alerts.yml"))) {
                return directory.resolve("docs");
            }
        }
        return fail("no docs/alerts.yml above %s", Path.of("").toAbsolutePath());
    }

    private static Set<String> matches(Pattern pattern, String text) {
        Set<String> found = new TreeSet<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            found.add(matcher.group(1));
        }
        return found;
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
