package org.pushgate.load.scenario;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operating-system limits that cap a connection test on the generator's side: open files per process
 * ({@code ulimit -n}), ephemeral ports per source address ({@code net.ipv4.ip_local_port_range}) and the
 * accept backlog ({@code net.core.somaxconn}). Checked before a run, so that a low number in a report is not
 * mistaken for the gateway's.
 */
final class Limits {

    private Limits() {
    }

    static long openFiles() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u) {
            return u.getMaxFileDescriptorCount();
        }
        return -1;
    }

    /** {low, high} of the ephemeral port range, or null when unreadable. */
    static int[] portRange() {
        return parsePortRange(read("/proc/sys/net/ipv4/ip_local_port_range"));
    }

    static int[] parsePortRange(String text) {
        if (text == null) {
            return null;
        }
        String[] parts = text.trim().split("\\s+");
        if (parts.length != 2) {
            return null;
        }
        try {
            return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        }
        catch (NumberFormatException e) {
            return null;
        }
    }

    static long somaxconn() {
        String s = read("/proc/sys/net/core/somaxconn");
        try {
            return s == null ? -1 : Long.parseLong(s.trim());
        }
        catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String read(String path) {
        // /proc files report size 0: read the stream to its end rather than trusting the size.
        try (java.io.InputStream in = Files.newInputStream(Path.of(path))) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        }
        catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Warnings for a run of {@code connections} in {@code processes} processes over {@code sources} addresses. */
    static List<String> check(int connections, int processes, int sources, long fdLimit, int[] ports) {
        List<String> w = new ArrayList<>();
        long perProcess = (connections + processes - 1L) / Math.max(1, processes);
        if (fdLimit > 0 && perProcess + 500 > fdLimit) {
            w.add("each generator process would hold " + perProcess + " sockets but ulimit -n is " + fdLimit
                    + ": use --processes " + ((connections + fdLimit - 501) / Math.max(1, fdLimit - 500))
                    + " or raise the limit");
        }
        if (ports != null) {
            int size = ports[1] - ports[0] + 1;
            long perSource = (connections + Math.max(1, sources) - 1L) / Math.max(1, sources);
            if (perSource > size - 500) {
                w.add(perSource + " connections per source address but net.ipv4.ip_local_port_range has " + size
                        + " ports: use more --source-addresses (127.0.0.2, 127.0.0.3, ...)");
            }
        }
        return w;
    }

    static Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("openFilesLimit", openFiles());
        int[] r = portRange();
        m.put("ephemeralPorts", r == null ? null : r[0] + "-" + r[1]);
        m.put("somaxconn", somaxconn());
        return m;
    }
}
