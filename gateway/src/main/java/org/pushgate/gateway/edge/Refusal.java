package org.pushgate.gateway.edge;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/**
 * The answer to a socket refused at accept: a pre-encoded {@code 503} with {@code Retry-After} and
 * {@code Connection: close}, written straight to the socket (below the HTTP codec, before any request was read),
 * then the socket is closed. It costs one write of a constant; a client that reads it knows to come back, one that
 * does not sees the close.
 */
final class Refusal {

    static final int RETRY_AFTER_SECONDS = 5;

    private static final byte[] BODY = "{\"error\":\"over_capacity\",\"message\":\"connection refused: the gateway holds all the sockets it may; retry later\"}"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE = ("HTTP/1.1 503 Service Unavailable\r\n"
            + "Content-Type: application/json\r\n"
            + "Content-Length: " + BODY.length + "\r\n"
            + "Retry-After: " + RETRY_AFTER_SECONDS + "\r\n"
            + "Connection: close\r\n\r\n"
            + new String(BODY, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);

    private Refusal() {
    }

    /** Writes the 503 from the head of the pipeline (no codec in between) and closes the socket after it. */
    static void send(Channel channel) {
        // Nothing the peer sends is read: the pipeline never became active above the refusing handler, and what
        // it would decode has nobody to serve it.
        channel.config().setAutoRead(false);
        channel.pipeline().firstContext().writeAndFlush(Unpooled.wrappedBuffer(RESPONSE))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
