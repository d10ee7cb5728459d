package org.pushgate.gateway.broker;

/** One message of a channel's stream: its offset and its data (compact JSON bytes, never mutated). */
public record StreamMessage(long offset, byte[] data) {
}
