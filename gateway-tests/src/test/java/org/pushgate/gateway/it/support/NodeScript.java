package org.pushgate.gateway.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Node.js script of {@code gateway-tests/js} (the JavaScript client's tests, the browser tests, the
 * Centrifugo SDK tests) against a running gateway and fails the JUnit test with the script's output when the script
 * fails. Its dependencies come from {@code npm ci} in that folder ({@code ./test.sh} runs it); a missing
 * {@code node_modules} is a failure that says so, never a skip.
 */
public final class NodeScript {

    /** The npm package of the JavaScript-side tests. */
    public static final Path DIR = locate();

    private final List<String> command = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private Duration timeout = Duration.ofMinutes(2);

    private NodeScript(List<String> command) {
        this.command.addAll(command);
    }

    /** {@code node <script> <args>} with {@code script} relative to {@link #DIR}. */
    public static NodeScript node(String script, String... args) {
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        return new NodeScript(command);
    }

    /** {@code node --test <files>}: Node's own test runner, files relative to {@link #DIR}. */
    public static NodeScript nodeTest(String... files) {
        List<String> command = new ArrayList<>(List.of("node", "--test", "--test-reporter=spec"));
        command.addAll(List.of(files));
        return new NodeScript(command);
    }

    public NodeScript env(String name, Object value) {
        env.put(name, String.valueOf(value));
        return this;
    }

    public NodeScript timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /** Runs the script to its end and asserts that it exited 0; returns what it printed (stdout and stderr). */
    public String run() {
        assertThat(DIR.resolve("node_modules"))
                .as("gateway-tests/js/node_modules is missing: run ./test.sh, or `npm ci` in " + DIR)
                .isDirectory();
        Path log;
        try {
            log = Files.createTempFile("node-script", ".log");
            ProcessBuilder builder = new ProcessBuilder(command).directory(DIR.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!ended) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            Files.deleteIfExists(log);
            assertThat(ended).as("%s did not end within %s; it printed:%n%s", command, timeout, output).isTrue();
            assertThat(process.exitValue()).as("%s failed; it printed:%n%s", command, output).isZero();
            return output;
        }
        catch (IOException e) {
            throw new UncheckedIOException("could not run " + command + " (is Node.js installed? ./test.sh installs it)", e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path locate() {
        Path here = Path.of("").toAbsolutePath();
        for (Path candidate : List.of(here.resolve("js"), here.resolve("gateway-tests/js"))) {
            if (Files.isRegularFile(candidate.resolve("package.json"))) {
                return candidate;
            }
        }
        return here.resolve("js");
    }
}
