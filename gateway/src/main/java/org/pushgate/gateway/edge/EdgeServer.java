package org.pushgate.gateway.edge;

import java.time.Duration;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;

import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;

/**
 * Puts the edge handlers into every socket the client-facing server accepts, when Reactor Netty initialises its
 * channel (the HTTP pipeline exists, {@code channelActive} has not fired yet): the {@link AcceptBudget} first of
 * all, the {@link HandshakeGuard} right after the HTTP codec. They are added to the channel's pipeline itself,
 * not as a Reactor Netty connection handler, which would be removed when the first request's operations end.
 */
final class EdgeServer implements NettyServerCustomizer {

    private final AcceptBudget acceptBudget;
    private final PendingHandshakes pending;
    private final HandshakeFailures failures;
    private final long handshakeNanos;
    private final long idleNanos;

    EdgeServer(SocketBudget budget, PendingHandshakes pending, HandshakeFailures failures, Duration handshakeTimeout,
               Duration httpIdleTimeout) {
        this.acceptBudget = new AcceptBudget(budget, failures);
        this.pending = pending;
        this.failures = failures;
        this.handshakeNanos = handshakeTimeout.toNanos();
        this.idleNanos = httpIdleTimeout.toNanos();
    }

    @Override
    public HttpServer apply(HttpServer server) {
        return server.doOnChannelInit((observer, channel, remoteAddress) -> {
            channel.pipeline().addFirst(AcceptBudget.NAME, acceptBudget);
            if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
                channel.pipeline().addAfter(NettyPipeline.HttpCodec, HandshakeGuard.NAME,
                        new HandshakeGuard(pending, failures, handshakeNanos, idleNanos));
            }
        });
    }
}
