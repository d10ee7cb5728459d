package org.pushgate.gateway.hub;

/**
 * What every subscriber buffer of a node shares: its bounds, its overflow policy, the process-wide fence and
 * where it reports. One instance per node, so a buffer carries one reference instead of five.
 *
 * @param maxFrames frames one buffer holds ({@code gateway.outbound.buffer-size})
 * @param maxBytes payload bytes one buffer holds ({@code gateway.outbound.max-queued-bytes}); an empty buffer
 *                 always takes one frame, whatever its size, so a limit below the largest message still delivers
 * @param policy what a full buffer does with one more frame
 * @param budget the process-wide fence over every buffer's bytes
 */
public record BufferSettings(int maxFrames, long maxBytes, OverflowPolicy policy, OutboundBudget budget,
                             HubEvents events) {

    public BufferSettings {
        if (maxFrames < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("a subscriber buffer needs room for at least one frame and one byte");
        }
    }
}
