package org.pushgate.gateway.transport;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Executor;

import org.pushgate.gateway.connection.CloseReason;
import org.pushgate.gateway.connection.ConnectionSocket;
import org.pushgate.gateway.protocol.OutboundFrame;

import io.netty.channel.Channel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * A Reactor Netty WebSocket as a {@link ConnectionSocket}. It keeps only what the pipeline needs (the
 * inbound and outbound of the socket, its channel, and the few handshake facts copied out at upgrade), so a
 * long-lived connection holds no HTTP request, headers map or exchange.
 */
final class NettyWebSocket implements ConnectionSocket {

    private final WebsocketInbound in;
    private final WebsocketOutbound out;
    private final Channel channel;
    private final String remoteAddress;
    private final List<String> initialChannels;
    private final List<String> initialSince;
    private final String bearerToken;
    private final int maxFrameBytes;

    NettyWebSocket(WebsocketInbound in, WebsocketOutbound out, Channel channel, String remoteAddress,
                   List<String> initialChannels, List<String> initialSince, String bearerToken, int maxFrameBytes) {
        this.in = in;
        this.out = out;
        this.channel = channel;
        this.remoteAddress = remoteAddress;
        this.initialChannels = initialChannels;
        this.initialSince = initialSince;
        this.bearerToken = bearerToken;
        this.maxFrameBytes = maxFrameBytes;
    }

    static String address(InetSocketAddress remote) {
        if (remote == null) {
            return "unknown";
        }
        return remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString();
    }

    @Override
    public String remoteAddress() {
        return remoteAddress;
    }

    @Override
    public List<String> initialChannels() {
        return initialChannels;
    }

    @Override
    public List<String> initialSince() {
        return initialSince;
    }

    @Override
    public String bearerToken() {
        return bearerToken;
    }

    @Override
    public Flux<InboundFrame> receive() {
        // Reactor Netty releases each frame after onNext: the text is copied out synchronously here.
        return in.aggregateFrames(maxFrameBytes)
                .receiveFrames()
                .map(NettyWebSocket::toInbound)
                .onErrorMap(NettyWebSocket::violation);
    }

    private static InboundFrame toInbound(WebSocketFrame frame) {
        if (frame instanceof TextWebSocketFrame text) {
            return InboundFrame.text(text.text());
        }
        if (frame instanceof PongWebSocketFrame) {
            return InboundFrame.of(InboundFrame.Type.PONG);
        }
        if (frame instanceof BinaryWebSocketFrame) {
            return InboundFrame.of(InboundFrame.Type.BINARY);
        }
        // Continuation frames are aggregated above and pings answered by Reactor Netty (handlePing(false)), which
        // does not pass them on: anything else is not text.
        return InboundFrame.of(InboundFrame.Type.BINARY);
    }

    /**
     * One frame requested at a time, written on the channel's event loop by a {@link FrameWriter}. A peer that
     * stops reading backs up into its bounded subscriber buffer and nowhere else, and an idle connection holds
     * no send queue (Reactor Netty's Flux send keeps a 128-slot queue per socket, about 1 KiB, for the
     * socket's whole life).
     */
    @Override
    public Mono<Void> send(Flux<OutboundFrame> frames) {
        return FrameWriter.send(channel, frames, FrameWriter::webSocketFrame);
    }

    /**
     * The close frame is made and written on the channel's event loop. Reactor Netty's {@code sendClose} releases its
     * frame when the close is cancelled (our liveness timeout on a peer that does not take it, or the pipeline's
     * end); written from another thread, the write is only queued, and a cancel before it runs freed the frame under
     * the queued write: one "Failed to release a message: CloseWebSocketFrame(freed)" stack trace per closed
     * connection on a lagging node (docs/benchmarks.md, gateway issue 8). On the loop the write is done, and the
     * frame encoded, before any cancel can arrive; a cancel before the loop runs the task makes no frame at all.
     * The TCP connection then ends with a {@link LingeringClose}: a FIN after the frame, and the peer's frames still
     * on their way read and dropped, so that no reset overtakes the close frame.
     */
    @Override
    public Mono<Void> close(int code, String reason) {
        Mono<Void> close = Mono.defer(() -> {
            LingeringClose.install(channel);
            return out.sendClose(code, reason);
        });
        return channel.eventLoop().inEventLoop() ? close : close.subscribeOn(Schedulers.fromExecutor(channel.eventLoop()));
    }

    @Override
    public void abort() {
        LingeringClose.closeNow(channel);
    }

    @Override
    public Executor executor() {
        return channel.eventLoop();
    }

    @Override
    public boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public Mono<Integer> peerCloseCode() {
        return in.receiveCloseStatus().map(WebSocketCloseStatus::code);
    }

    private static Throwable violation(Throwable error) {
        if (error instanceof TooLongFrameException) {
            return new ViolationException(CloseReason.FRAME_TOO_LARGE, error);
        }
        if (error instanceof CorruptedWebSocketFrameException corrupted) {
            boolean tooBig = corrupted.closeStatus() != null && corrupted.closeStatus().code() == CloseReason.FRAME_TOO_LARGE.code();
            return new ViolationException(tooBig ? CloseReason.FRAME_TOO_LARGE : CloseReason.PROTOCOL_ERROR, error);
        }
        if (error instanceof CorruptedFrameException) {
            return new ViolationException(CloseReason.PROTOCOL_ERROR, error);
        }
        return error;
    }
}
