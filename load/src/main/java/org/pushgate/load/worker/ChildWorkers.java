package org.pushgate.load.worker;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.pushgate.load.LoadGen;
import org.pushgate.load.cli.LoadOptions;

/**
 * K child JVMs of the generator ({@code LoadGen worker <scenario> ...}), each holding a share of the connections
 * so that no process reaches the open-files limit. They speak {@link WorkerLines}; lines that are not protocol are
 * the child's log and are echoed with a prefix. End of the child's input also means stop, and each child also ends
 * by itself at its own hard deadline.
 */
final class ChildWorkers implements Workers {

    /** LoadOptions that the coordinator decides for each child, or keeps for itself. */
    private static final Set<String> NOT_PASSED = Set.of("processes", "out", "server-pid", "connections", "n", "rate",
            "source-addresses", "cycles", "no-html", "quiet", "worker-index", "worker-count", "index-offset",
            "total-connections", "child-jvm-opts", "timeout", "warmup-cycles");

    private final List<Child> children = new ArrayList<>();
    private final CountDownLatch ready;
    private final Thread shutdownHook;

    private static final class Child {
        final int index;
        final Process process;
        final OutputStream stdin;
        final CountDownLatch done = new CountDownLatch(1);
        volatile WorkerProgress progress;
        volatile WorkerResult result;

        Child(int index, Process process) {
            this.index = index;
            this.process = process;
            this.stdin = process.getOutputStream();
        }
    }

    ChildWorkers(LoadOptions o, int k, List<String> sourceAddresses, long deadlineNanos) {
        this.ready = new CountDownLatch(k);
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("java.class.path");
        long childTimeoutMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()) + 30_000;
        int total = o.scenario.equals("churn") ? o.cycles : o.connections;
        int offset = 0;
        for (int i = 0; i < k; i++) {
            int share = total / k + (i < total % k ? 1 : 0);
            List<String> cmd = new ArrayList<>();
            cmd.add(java);
            for (String opt : o.childJvmOpts.trim().split("\\s+")) {
                if (!opt.isEmpty()) {
                    cmd.add(opt);
                }
            }
            cmd.add("-cp");
            cmd.add(classpath);
            cmd.add(LoadGen.class.getName());
            cmd.add("worker");
            cmd.add(o.scenario);
            o.given.forEach((key, value) -> {
                if (!NOT_PASSED.contains(key)) {
                    cmd.add("--" + key + "=" + value);
                }
            });
            if (o.scenario.equals("churn")) {
                cmd.add("--cycles=" + share);
            }
            else {
                cmd.add("--connections=" + share);
            }
            cmd.add("--rate=" + (o.rate / k));
            cmd.add("--index-offset=" + offset);
            cmd.add("--total-connections=" + o.connections);
            cmd.add("--worker-index=" + i);
            cmd.add("--worker-count=" + k);
            cmd.add("--timeout=" + childTimeoutMs + "ms");
            if (!sourceAddresses.isEmpty()) {
                cmd.add("--source-addresses=" + String.join(",", sourceAddresses));
            }
            offset += share;
            try {
                Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                Child c = new Child(i, p);
                children.add(c);
                Thread reader = new Thread(() -> read(c), "load-child-" + i);
                reader.setDaemon(true);
                reader.start();
            }
            catch (IOException e) {
                close();
                throw new IllegalStateException("cannot start worker process: " + e.getMessage(), e);
            }
        }
        shutdownHook = new Thread(this::destroyAll, "load-children-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    private void read(Child c) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(c.process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                WorkerProgress progress;
                WorkerResult result;
                if (line.equals(WorkerLines.READY)) {
                    ready.countDown();
                }
                else if ((progress = WorkerLines.parseProgress(line)) != null) {
                    c.progress = progress;
                }
                else if ((result = WorkerLines.parseResult(line)) != null) {
                    c.result = result;
                }
                else {
                    System.out.println("[worker " + c.index + "] " + line);
                }
            }
        }
        catch (IOException | RuntimeException e) {
            System.out.println("[worker " + c.index + "] output unreadable: " + e);
        }
        finally {
            ready.countDown(); // a child that died must not keep the coordinator waiting
            c.done.countDown();
        }
    }

    private void send(String command) {
        for (Child c : children) {
            try {
                c.stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
                c.stdin.flush();
            }
            catch (IOException ignored) {
                // The child has gone; its missing result shows in the report.
            }
        }
    }

    @Override
    public void start() {
        // The children start ramping as soon as they run.
    }

    @Override
    public boolean awaitReady(long deadlineNanos) {
        try {
            return ready.await(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public WorkerProgress progress() {
        List<WorkerProgress> all = new ArrayList<>();
        for (Child c : children) {
            all.add(c.progress);
        }
        return WorkerProgress.sum(all);
    }

    @Override
    public void stall() {
        send("stall");
    }

    @Override
    public void wake() {
        send("wake");
    }

    @Override
    public List<WorkerResult> stop(long timeoutMs) {
        send("stop");
        long end = System.nanoTime() + (timeoutMs + 15_000) * 1_000_000;
        List<WorkerResult> results = new ArrayList<>();
        for (Child c : children) {
            try {
                c.done.await(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                c.process.waitFor(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (c.result != null) {
                results.add(c.result);
            }
            else {
                System.out.println("warning: worker " + c.index + " returned no result (exit "
                        + (c.process.isAlive() ? "still running" : c.process.exitValue()) + ")");
            }
        }
        destroyAll();
        return results;
    }

    @Override
    public int count() {
        return children.size();
    }

    private void destroyAll() {
        for (Child c : children) {
            if (c.process.isAlive()) {
                c.process.destroy();
            }
        }
        for (Child c : children) {
            try {
                if (!c.process.waitFor(3, TimeUnit.SECONDS)) {
                    c.process.destroyForcibly();
                }
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        destroyAll();
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            }
            catch (IllegalStateException ignored) {
                // Already shutting down: the hook runs anyway.
            }
        }
    }
}
