package org.pushgate.load.report;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One second of a run in the result's {@code series}: what the progress line showed, and the gateway's memory
 * when it was sampled; in loris, the gateway's descriptors and the slowest health and upgrade answers of the second.
 * Absent figures (no publishing, no scrape, no --server-pid) are left out of the JSON.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SeriesPoint(double t, String phase, long connections, double sendsPerSec, double deliveriesPerSec,
                          long failed, long errors, long serverCloses, double cpuCores, Double p99Ms, Long cycles,
                          Double serverHeapMiB, Double serverLiveDataMiB, Double serverRssMiB,
                          Long serverDescriptors, Double healthMs, Double upgradeMs) {
}
