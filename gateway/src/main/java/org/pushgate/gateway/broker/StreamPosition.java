package org.pushgate.gateway.broker;

/**
 * A position in a channel's stream: {@code offset} grows by one per publish, and {@code epoch} names the stream
 * that gives the offset its meaning. The epoch is fixed when the stream is created and changes whenever its
 * history is lost (a memory engine restart, eviction, expired Redis meta), so a client can tell "I missed nothing"
 * from "my offset means nothing now". Offset 0 is the position of a stream nobody published to yet.
 */
public record StreamPosition(long offset, String epoch) {

    public StreamPosition {
        if (offset < 0) {
            throw new IllegalArgumentException("a stream offset is never negative, was " + offset);
        }
        if (epoch == null || epoch.isEmpty()) {
            throw new IllegalArgumentException("a stream position needs an epoch");
        }
    }
}
