package org.pushgate.gateway.transport;

import java.net.InetSocketAddress;
import java.util.List;

import org.pushgate.gateway.connection.CloseReason;
import org.pushgate.gateway.connection.ConnectionSocket;
import org.pushgate.gateway.protocol.OutboundFrame;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.util.UriComponentsBuilder;

import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Adapts a Spring WebFlux {@link WebSocketSession} (Reactor Netty underneath) to a {@link ConnectionSocket}. */
final class WebSocketConnectionSocket implements ConnectionSocket {

    private static final byte[] EMPTY = new byte[0];

    private final WebSocketSession session;

    WebSocketConnectionSocket(WebSocketSession session) {
        this.session = session;
    }

    @Override
    public String remoteAddress() {
        InetSocketAddress address = session.getHandshakeInfo().getRemoteAddress();
        if (address == null) {
            return "unknown";
        }
        return address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
    }

    @Override
    public List<String> initialChannels() {
        List<String> channels = UriComponentsBuilder.fromUri(session.getHandshakeInfo().getUri()).build()
                .getQueryParams().get("channel");
        return channels == null ? List.of() : channels;
    }

    @Override
    public Flux<InboundFrame> receive() {
        // Payloads are copied out synchronously: Reactor Netty releases the frame's buffer after onNext.
        return session.receive()
                .map(message -> switch (message.getType()) {
                    case TEXT -> InboundFrame.text(message.getPayloadAsText());
                    case BINARY -> InboundFrame.of(InboundFrame.Type.BINARY);
                    case PING -> InboundFrame.of(InboundFrame.Type.PING);
                    case PONG -> InboundFrame.of(InboundFrame.Type.PONG);
                })
                .onErrorMap(WebSocketConnectionSocket::violation);
    }

    @Override
    public Mono<Void> send(Flux<OutboundFrame> frames) {
        return session.send(frames.map(this::toMessage));
    }

    private WebSocketMessage toMessage(OutboundFrame frame) {
        if (frame.kind() == OutboundFrame.Kind.PING) {
            return session.pingMessage(factory -> factory.wrap(EMPTY));
        }
        // wrap() shares the frame's bytes: one encoded array serves every subscriber of a message.
        return new WebSocketMessage(WebSocketMessage.Type.TEXT, session.bufferFactory().wrap(frame.payload()));
    }

    @Override
    public Mono<Void> close(int code, String reason) {
        return session.close(new CloseStatus(code, reason));
    }

    @Override
    public String bearerToken() {
        String header = session.getHandshakeInfo().getHeaders().getFirst(org.springframework.http.HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    @Override
    public boolean isOpen() {
        return session.isOpen();
    }

    @Override
    public Mono<Integer> peerCloseCode() {
        return session.closeStatus().map(CloseStatus::getCode);
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
