package org.pushgate.gateway.connection;

import java.util.List;
import java.util.concurrent.Executor;

import org.pushgate.gateway.protocol.OutboundFrame;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What the connection pipeline needs from a socket, whatever carries it (WebSocket, Server-Sent Events). The
 * transport adapts its session to this; tests drive the pipeline through it without a network.
 */
public interface ConnectionSocket {

    String remoteAddress();

    /** Channels the client asked for at connect time (e.g. {@code ?channel=a&channel=b}). */
    List<String> initialChannels();

    /**
     * Positions to recover from, given at connect time as {@code ?since=<channel>:<offset>:<epoch>} (each also
     * subscribes to its channel).
     */
    default List<String> initialSince() {
        return List.of();
    }

    /**
     * Inbound frames; completes when the peer closes or the socket dies. Errors with a
     * {@link ViolationException} when the peer broke a rule the transport enforces (frame size, framing);
     * any other error is taken as the socket dying.
     */
    Flux<InboundFrame> receive();

    /**
     * Writes the frames, requesting one at a time as the socket takes them; completes when they complete and
     * errors when the socket can no longer be written to.
     */
    Mono<Void> send(Flux<OutboundFrame> frames);

    /** Sends a close frame with this code and reason and closes the socket. Idempotent. */
    Mono<Void> close(int code, String reason);

    /**
     * Closes the socket for this reason: with its code and text, or, for a socket of another protocol, with that
     * protocol's code for it (docs/protocol.md). Idempotent.
     */
    default Mono<Void> close(CloseReason reason) {
        return close(reason.code(), reason.text());
    }

    /** Closes the TCP connection at once, without a close handshake (a peer that will not take our close frame). */
    void abort();

    /** The bearer token of the upgrade request's Authorization header, or null. */
    String bearerToken();

    /**
     * The thread that writes this socket (its event loop): the one producer into the connection's buffer, where
     * the hub offers it frames so that they are written without crossing threads.
     */
    Executor executor();

    /**
     * Whether the peer can answer a liveness ping. A one-way stream (Server-Sent Events) has no inbound frames and
     * no pong: the pipeline then sends it no pings and never cuts it for silence; heartbeats, the writer's
     * backpressure and the slow-consumer cut still apply.
     */
    default boolean answersPings() {
        return true;
    }

    /** The transport's name, the {@code transport} tag of {@code gateway_connections_opened_total}. */
    default String transport() {
        return "ws";
    }

    /** Whether the underlying socket is still open (for the auditor's reconciliation). */
    boolean isOpen();

    /** The close code the peer sent; 1006 when the socket died without one. */
    Mono<Integer> peerCloseCode();

    /** One inbound frame, already copied out of the transport's buffers. */
    record InboundFrame(Type type, String text) {
        public enum Type { TEXT, BINARY, PONG }

        public static InboundFrame text(String text) {
            return new InboundFrame(Type.TEXT, text);
        }

        public static InboundFrame of(Type type) {
            return new InboundFrame(type, null);
        }
    }

    /** The peer violated a transport rule; the connection ends with this reason. */
    final class ViolationException extends RuntimeException {
        private final CloseReason reason;

        public ViolationException(CloseReason reason, Throwable cause) {
            super(reason.text(), cause, false, false);
            this.reason = reason;
        }

        public CloseReason reason() {
            return reason;
        }
    }
}
