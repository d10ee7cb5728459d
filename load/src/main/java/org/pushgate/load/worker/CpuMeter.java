package org.pushgate.load.worker;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;

/**
 * This process's CPU use, in cores (1.0 = one core busy): the process CPU time from the OS MXBean
 * ({@code com.sun.management}), or {@link ProcessHandle} where that is missing, over wall time.
 */
public final class CpuMeter {

    private final long startCpu;
    private final long startWall;
    private long lastCpu;
    private long lastWall;

    public CpuMeter() {
        startCpu = cpuNanos();
        startWall = System.nanoTime();
        lastCpu = startCpu;
        lastWall = startWall;
    }

    public static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    static long cpuNanos() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            long t = sun.getProcessCpuTime();
            if (t >= 0) {
                return t;
            }
        }
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    /** Cores used since the previous call. */
    public synchronized double sample() {
        long cpu = cpuNanos();
        long wall = System.nanoTime();
        double cores = wall > lastWall ? (double) (cpu - lastCpu) / (wall - lastWall) : 0;
        lastCpu = cpu;
        lastWall = wall;
        return Math.max(0, cores);
    }

    double cpuSeconds() {
        return (cpuNanos() - startCpu) / 1e9;
    }

    double wallSeconds() {
        return (System.nanoTime() - startWall) / 1e9;
    }
}
