package org.pushgate.gateway.hub;

/** What a subscriber buffer does when it is full and one more frame arrives. */
public enum OverflowPolicy {
    /** Cut the subscriber: its connection is closed with the slow-consumer close code. */
    DISCONNECT,
    /** Evict the oldest buffered frame to make room; the subscriber stays connected but misses frames. */
    DROP_OLDEST
}
