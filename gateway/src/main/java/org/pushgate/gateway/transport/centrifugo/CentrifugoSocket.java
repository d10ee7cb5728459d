package org.pushgate.gateway.transport.centrifugo;

import java.util.List;
import java.util.concurrent.Executor;

import org.pushgate.gateway.connection.CloseReason;
import org.pushgate.gateway.connection.ConnectionSocket;
import org.pushgate.gateway.protocol.OutboundFrame;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A WebSocket of {@code /connection/websocket}: the same socket as {@code /ws}'s (its reads, its writer, its
 * backpressure), with Centrifugo's encoding of the frames the connection writes and Centrifugo's close codes. It
 * holds nothing but the WebSocket it adapts.
 *
 * <ul>
 *   <li>a message: its publication push, made once per frame and shared ({@link OutboundFrame#alternateWire});</li>
 *   <li>a reply: as the protocol made it (already Centrifugo's JSON);</li>
 *   <li>a liveness ping: Centrifugo's {@code {}} (the SDK answers {@code {}}, which counts as the pong);</li>
 *   <li>a heartbeat: nothing (the ping is this protocol's heartbeat).</li>
 * </ul>
 * The upgrade's {@code ?channel=}, {@code ?since=} and Authorization header are not this protocol's: subscribes and
 * the token come in its commands.
 */
final class CentrifugoSocket implements ConnectionSocket {

    private final ConnectionSocket webSocket;

    CentrifugoSocket(ConnectionSocket webSocket) {
        this.webSocket = webSocket;
    }

    static OutboundFrame encode(OutboundFrame frame) {
        return switch (frame.kind()) {
            case MESSAGE -> frame.alternateWire(CentrifugoProtocol::push);
            case REPLY -> frame;
            case PING, HEARTBEAT_PING -> CentrifugoProtocol.PING;
            case HEARTBEAT -> null;
        };
    }

    @Override
    public Mono<Void> send(Flux<OutboundFrame> frames) {
        return webSocket.send(frames.mapNotNull(CentrifugoSocket::encode));
    }

    @Override
    public Mono<Void> close(CloseReason reason) {
        CentrifugoCodes.Disconnect disconnect = CentrifugoCodes.disconnect(reason);
        return webSocket.close(disconnect.code(), disconnect.reason());
    }

    @Override
    public Mono<Void> close(int code, String reason) {
        return webSocket.close(code, reason);
    }

    @Override
    public String remoteAddress() {
        return webSocket.remoteAddress();
    }

    @Override
    public List<String> initialChannels() {
        return List.of();
    }

    @Override
    public Flux<InboundFrame> receive() {
        return webSocket.receive();
    }

    @Override
    public void abort() {
        webSocket.abort();
    }

    @Override
    public String bearerToken() {
        return null;
    }

    @Override
    public Executor executor() {
        return webSocket.executor();
    }

    @Override
    public String transport() {
        return webSocket.transport();
    }

    @Override
    public boolean isOpen() {
        return webSocket.isOpen();
    }

    @Override
    public Mono<Integer> peerCloseCode() {
        return webSocket.peerCloseCode();
    }
}
