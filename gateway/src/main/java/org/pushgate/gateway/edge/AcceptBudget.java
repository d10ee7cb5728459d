package org.pushgate.gateway.edge;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * First in every accepted socket's pipeline: takes the socket's slot from the {@link SocketBudget} before
 * anything else sees it. A socket over the budget is answered 503 and closed, without {@code channelActive}
 * ever reaching Reactor Netty (no connection, no request, no timer exists for it), and counted. An admitted
 * socket returns its slot when it closes: the listener on its close future fires exactly once, whichever way
 * it closes, and is registered only after the slot was taken. The handler then leaves the pipeline; a
 * WebSocket's frames never pass through it.
 */
@ChannelHandler.Sharable
final class AcceptBudget extends ChannelInboundHandlerAdapter {

    static final String NAME = "pushgate.acceptBudget";

    private final SocketBudget budget;
    private final HandshakeFailures failures;

    AcceptBudget(SocketBudget budget, HandshakeFailures failures) {
        this.budget = budget;
        this.failures = failures;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!budget.tryAcquire()) {
            failures.record(HandshakeFailures.Reason.OVER_BUDGET);
            Refusal.send(ctx.channel());
            return;
        }
        ctx.channel().closeFuture().addListener(closed -> budget.release());
        ctx.fireChannelActive();
        if (ctx.pipeline().context(this) != null) {
            ctx.pipeline().remove(this);
        }
    }
}
