package org.pushgate.gateway.broker;

/**
 * What a publish did.
 *
 * @param position the message's offset and its stream's epoch
 * @param reached  with the memory engine, the subscriber buffers of this node that took it; with Redis, the
 *                 gateway nodes that received it (Redis PUBLISH's count), each of which fans it out locally
 */
public record Published(StreamPosition position, int reached) {
}
