package org.pushgate.load.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A server process's CPU time (user + system, all its threads) from {@code /proc/PID/stat}: what a side-by-side
 * run compares, read by the generator at the edges of the measured window. The kernel reports it in clock ticks
 * of USER_HZ, which is 100 on Linux whatever the kernel's own HZ (a fixed part of the ABI).
 */
public final class ServerCpu {

    /** USER_HZ: the unit of utime and stime in /proc/PID/stat. */
    static final double TICKS_PER_SECOND = 100.0;

    private ServerCpu() {
    }

    /** CPU seconds used so far by process {@code pid}; NaN when it cannot be read (no pid, gone, not Linux). */
    public static double seconds(long pid) {
        if (pid <= 0) {
            return Double.NaN;
        }
        try {
            return parseSeconds(Files.readString(Path.of("/proc", String.valueOf(pid), "stat"), StandardCharsets.US_ASCII));
        }
        catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * utime + stime of a {@code /proc/PID/stat} line, in seconds. The second field (the command) is in parentheses
     * and may itself hold spaces and parentheses, so the fields are counted from the last ')'.
     */
    static double parseSeconds(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return Double.NaN;
        }
        String[] f = stat.substring(close + 1).trim().split("\\s+");
        // After the command: state(3) ppid(4) ... utime(14) stime(15), i.e. indices 11 and 12 here.
        if (f.length < 13) {
            return Double.NaN;
        }
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
    }
}
