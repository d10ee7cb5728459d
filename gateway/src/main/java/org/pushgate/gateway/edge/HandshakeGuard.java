package org.pushgate.gateway.edge;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * One socket's HTTP deadlines and its place among the {@link PendingHandshakes}, from accept until it becomes a
 * WebSocket (then it leaves the pipeline) or closes. It sits right after the HTTP codec, so it sees decoded
 * request heads and contents coming in and response objects going out; everything runs on the socket's event
 * loop, so its state needs no synchronisation. At most one deadline is armed at a time, and which one depends on
 * the phase:
 *
 * <pre>
 *   accept --(head)--> READING_BODY --(last content)--> SERVING --(response end)--> IDLE --(next head)--> ...
 *      |                                                    ^
 *      +--(upgrade head)--> UPGRADING --(any answer)--------+     (101 written out: done, the guard removes itself)
 *
 *   AWAITING_HEAD, UPGRADING: gateway.limits.handshake-timeout from accept (the first request) or from the head
 *   READING_BODY:             gateway.limits.handshake-timeout from the head (a body that trickles in)
 *   SERVING:                  none (the application's time: a long admin sweep is not the client's fault)
 *   IDLE:                     gateway.limits.http-idle-timeout from the end of the response
 * </pre>
 *
 * A deadline that passes closes the socket and counts its reason. The socket counts as a pending handshake from
 * accept until its first request head is decoded (or, for an upgrade, answered), or it closes: exactly once.
 * Request heads that do not decode are counted by reason and passed on (Reactor Netty answers them 400), and so is
 * a peer that closes in the middle of a request body; what the guard's own close makes the codec report is not
 * counted twice.
 */
final class HandshakeGuard extends ChannelDuplexHandler {

    static final String NAME = "pushgate.handshakeGuard";

    private enum Phase { AWAITING_HEAD, UPGRADING, READING_BODY, SERVING, IDLE }

    private final PendingHandshakes pending;
    private final HandshakeFailures failures;
    private final long handshakeNanos;
    private final long idleNanos;

    private Phase phase = Phase.AWAITING_HEAD;
    private ScheduledFuture<?> deadline;
    /** Set while this socket is counted among the pending handshakes. */
    private boolean counted;
    private InetAddress address;
    /** Set when the guard closes the socket: what the close makes the codec report was counted already. */
    private boolean closing;

    HandshakeGuard(PendingHandshakes pending, HandshakeFailures failures, long handshakeNanos, long idleNanos) {
        this.pending = pending;
        this.failures = failures;
        this.handshakeNanos = handshakeNanos;
        this.idleNanos = idleNanos;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        address = ctx.channel().remoteAddress() instanceof InetSocketAddress remote ? remote.getAddress() : null;
        if (!pending.tryEnter(address)) {
            failures.record(HandshakeFailures.Reason.PER_ADDRESS);
            Refusal.send(ctx.channel());
            return;
        }
        counted = true;
        arm(ctx, handshakeNanos);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!closing && msg instanceof DecoderResultProvider decoded && decoded.decoderResult().isFailure()) {
            failures.record(HandshakeFailures.Reason.ofDecoderFailure(decoded.decoderResult().cause()));
        }
        if (msg instanceof HttpRequest request) {
            if (phase == Phase.IDLE) {
                cancel();
            }
            if (isUpgrade(request)) {
                phase = Phase.UPGRADING;
                if (deadline == null) { // the first request's deadline runs on from accept
                    arm(ctx, handshakeNanos);
                }
            } else {
                leavePending();
                cancel();
                phase = msg instanceof LastHttpContent ? Phase.SERVING : Phase.READING_BODY;
                if (phase == Phase.READING_BODY) {
                    arm(ctx, handshakeNanos);
                }
            }
        } else if (msg instanceof LastHttpContent && phase == Phase.READING_BODY) {
            cancel();
            phase = Phase.SERVING;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            HttpResponseStatus status = response.status();
            if (status.code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                // A WebSocket once the 101 is out: its liveness probe owns its deadlines from then on, and its frames
                // never pass here. Until the 101 has left (a peer that takes no bytes keeps it in the socket), the
                // handshake deadline still runs: nothing else would ever close such a socket.
                leavePending();
                ChannelPromise written = promise.unvoid();
                written.addListener(future -> {
                    if (future.isSuccess() && !ctx.isRemoved()) {
                        cancel();
                        ctx.pipeline().remove(this);
                    }
                });
                ctx.write(msg, written);
                return;
            }
            if (status.codeClass() == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL) {
                ctx.write(msg, promise); // 100 Continue: the request goes on
                return;
            }
            if (phase == Phase.UPGRADING || phase == Phase.AWAITING_HEAD) {
                cancel(); // an upgrade answered otherwise (503, 403, 400): the handshake is over, the answer is sent
                leavePending();
                phase = Phase.SERVING;
            }
        }
        if (msg instanceof LastHttpContent && phase != Phase.IDLE) {
            cancel();
            phase = Phase.IDLE;
            arm(ctx, idleNanos);
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (phase == Phase.READING_BODY && !closing) {
            failures.record(HandshakeFailures.Reason.CLOSED_MID_BODY);
        }
        cancel();
        leavePending();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
        leavePending();
    }

    private static boolean isUpgrade(HttpRequest request) {
        return request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private void arm(ChannelHandlerContext ctx, long nanos) {
        cancel();
        deadline = ctx.executor().schedule(() -> expire(ctx), nanos, TimeUnit.NANOSECONDS);
    }

    private void expire(ChannelHandlerContext ctx) {
        deadline = null;
        closing = true;
        failures.record(switch (phase) {
            case IDLE -> HandshakeFailures.Reason.IDLE_TIMEOUT;
            case READING_BODY -> HandshakeFailures.Reason.BODY_TIMEOUT;
            default -> HandshakeFailures.Reason.HANDSHAKE_TIMEOUT;
        });
        ctx.close();
    }

    private void cancel() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void leavePending() {
        if (counted) {
            counted = false;
            pending.leave(address);
        }
    }
}
