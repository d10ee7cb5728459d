package org.pushgate.gateway.broker;

import java.util.List;

/**
 * A read of a channel's stream.
 *
 * @param top      the stream's position when it was read (offset 0 and a new epoch if it does not exist)
 * @param messages in offset order, each with offset greater than the read's {@code since}; possibly not
 *                 contiguous with {@code since} when history was trimmed: {@link #continuousFrom} tells
 * @param complete false when more messages than the read's limit followed {@code since}: the list holds the
 *                 first {@code limit} of them
 */
public record History(StreamPosition top, List<StreamMessage> messages, boolean complete) {

    /**
     * Whether these messages are every message after {@code since} up to {@link #top}, with no hole: what a
     * recovery needs. False when the epoch differs, history was trimmed, or the read was cut at its limit.
     */
    public boolean continuousFrom(long since, String epoch) {
        if (!top.epoch().equals(epoch) || !complete || since > top.offset()) {
            return false;
        }
        long expected = since + 1;
        for (StreamMessage message : messages) {
            if (message.offset() != expected) {
                return false;
            }
            expected++;
        }
        return expected == top.offset() + 1;
    }
}
