package org.pushgate.gateway.transport;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * The end of a WebSocket the gateway closes: once its close frame is written, the TCP connection is half-closed
 * (a FIN after the frame) and whatever the peer still sends is read and dropped until the peer closes its side or
 * {@link #BOUND} passes; only then is the socket closed.
 *
 * <p>Closing a socket at once, with the peer's frames still arriving, leaves unread bytes in the kernel's receive
 * queue, and the kernel answers those with a reset instead of a FIN. A reset can beat the close frame to the peer's
 * application: a client cut for flooding commands (4007, Centrifugo's 3013) saw an abnormal closure (1006,
 * "transport closed") instead of the code that tells it why, on a fast machine about one time in fifteen. This is
 * what Apache and nginx call a lingering close; RFC 6455 (7.1.1) asks the server to close the TCP connection first,
 * which the FIN does, and the drop of what follows keeps the reset away.
 *
 * <p>Installed at the head of the channel's pipeline only when the close begins (an idle connection holds none of
 * it), on the channel's event loop. Every later close of the channel (Reactor Netty's after the frame was written,
 * its own at the end of the handler) joins the lingering one; {@link #closeNow(Channel)} (an abort) ends it.
 */
final class LingeringClose extends ChannelDuplexHandler {

    static final String NAME = "pushgate.lingeringClose";
    /** How long a peer that neither closes nor stops sending keeps its socket after our close frame. */
    static final Duration BOUND = Duration.ofSeconds(2);

    private boolean lingering;

    private LingeringClose() {
    }

    /** Makes the channel's next close a lingering one. On the channel's event loop. */
    static void install(Channel channel) {
        if (channel.isActive() && channel instanceof DuplexChannel && channel.pipeline().get(NAME) == null) {
            channel.pipeline().addFirst(NAME, new LingeringClose());
        }
    }

    /** Closes the channel now, lingering or not: an abort. From any thread. */
    static void closeNow(Channel channel) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> closeNow(channel));
            return;
        }
        ChannelHandlerContext ctx = channel.pipeline().context(NAME);
        if (ctx != null) {
            ctx.close(); // from this handler's context: straight to the socket
        } else {
            channel.close();
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        Channel channel = ctx.channel();
        if (lingering) {
            channel.closeFuture().addListener(closed -> promise.trySuccess()); // joins the close under way
            return;
        }
        if (!channel.isActive() || ((DuplexChannel) channel).isOutputShutdown()) {
            ctx.close(promise);
            return;
        }
        lingering = true;
        ScheduledFuture<?> deadline = ctx.executor().schedule(() -> ctx.close(), BOUND.toNanos(), TimeUnit.NANOSECONDS);
        channel.closeFuture().addListener(closed -> {
            deadline.cancel(false);
            promise.trySuccess();
        });
        // Everything written so far goes first (the close frame was flushed before this close was asked for).
        ((DuplexChannel) channel).shutdownOutput().addListener(done -> {
            if (!done.isSuccess()) {
                ctx.close(); // the peer is gone already: nothing to linger for
            }
        });
        // The peer's FIN ends it (Netty closes the channel on end of input); until then, read and drop.
        channel.config().setAutoRead(true);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering) {
            ReferenceCountUtil.release(msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!lingering) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (lingering) {
            ctx.close(); // a reset while lingering: the peer is gone, and so is the socket
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }
}
