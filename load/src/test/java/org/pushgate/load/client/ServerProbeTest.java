package org.pushgate.load.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerProbeTest {

    @Test
    void readsResidentMemoryFromProcStatus() {
        String status = "Name:\tjava\nVmPeak:\t 9000000 kB\nVmRSS:\t  204800 kB\nThreads:\t40\n";
        assertThat(ServerProbe.parseVmRss(status)).isEqualTo(204800L * 1024);
        assertThat(ServerProbe.parseVmRss("Name: x\n")).isEqualTo(-1);
    }

    @Test
    void readsHeapUsedFromG1HeapInfo() {
        String g1 = """
                12345:
                 garbage-first heap   total 262144K, used 23949K [0x0000000700000000, 0x0000000800000000)
                  region size 1024K, 2 young (2048K), 0 survivors (0K)
                 Metaspace       used 40500K, committed 41000K, reserved 1114112K
                  class space    used 5000K, committed 5200K, reserved 1048576K
                """;
        assertThat(ServerProbe.parseHeapUsed(g1)).isEqualTo(23949L * 1024);
    }

    @Test
    void addsTheGenerationsOfSerialAndParallelHeaps() {
        String parallel = """
                 PSYoungGen      total 76288K, used 3932K [0x0000000716580000, 0x000000071ba80000, 0x00000007c0000000)
                  eden space 65536K, 6% used [0x0000000716580000,0x0000000716957170,0x000000071a580000)
                  from space 10752K, 0% used [0x000000071b000000,0x000000071b000000,0x000000071ba80000)
                  to   space 10752K, 0% used [0x000000071a580000,0x000000071a580000,0x000000071b000000)
                 ParOldGen       total 175104K, used 1000K [0x00000005c2e00000, 0x00000005cd900000, 0x0000000716580000)
                  object space 175104K, 0% used [0x00000005c2e00000,0x00000005c2e00000,0x00000005cd900000)
                 Metaspace       used 3000K, committed 3200K, reserved 1056768K
                """;
        assertThat(ServerProbe.parseHeapUsed(parallel)).isEqualTo((3932L + 1000L) * 1024);
        String serial = " def new generation   total 78656K, used 7006K [0x1, 0x2, 0x3)\n"
                + " tenured generation   total 174784K, used 100K [0x4, 0x5, 0x6)\n";
        assertThat(ServerProbe.parseHeapUsed(serial)).isEqualTo(7106L * 1024);
    }

    @Test
    void readsZgcAndGivesUpOnUnknownText() {
        assertThat(ServerProbe.parseHeapUsed(" ZHeap           used 28M, capacity 256M, max capacity 4096M\n"))
                .isEqualTo(28L * 1024 * 1024);
        assertThat(ServerProbe.parseHeapUsed("12345:\nsomething else\n")).isEqualTo(-1);
    }
}
