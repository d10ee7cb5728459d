package org.pushgate.gateway.it.support;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.JsonNode;

/**
 * A well-behaved WebSocket client (Reactor Netty): reads everything as it arrives, answers pings (Reactor
 * Netty does that itself), and records every text frame, parsed, in arrival order. Its event loops are
 * its own, not the server's, and every callback it runs there is non-blocking (BlockHound watches).
 *
 * <p>Ways to end it: {@link #close()} (close frame 1000), {@link #abort()} (TCP RST), {@link #vanish()}
 * (FIN without a close frame).
 */
public final class TestClient implements AutoCloseable {

    /** Client-side event loops, daemon threads, shared by every test client of the JVM. */
    private static final LoopResources LOOPS = LoopResources.create("it-client", 2, true);
    private static final HttpClient HTTP = HttpClient.create(ConnectionProvider.newConnection())
            .runOn(LOOPS)
            .responseTimeout(Duration.ofSeconds(10));
    private static final WebsocketClientSpec SPEC = WebsocketClientSpec.builder()
            .maxFramePayloadLength(1 << 20)
            .build();
    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(5);

    private final ConcurrentLinkedQueue<JsonNode> frames = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
    private final AtomicInteger frameCount = new AtomicInteger();
    private final Sinks.Many<JsonNode> live = Sinks.many().multicast().directBestEffort();
    private final Sinks.Many<Outgoing> outbound = Sinks.many().unicast().onBackpressureBuffer();
    private final Sinks.Empty<Void> connected = Sinks.empty();
    private final Sinks.Empty<Void> closed = Sinks.empty();
    private final AtomicReference<Integer> closeCode = new AtomicReference<>();
    private final AtomicReference<Connection> connection = new AtomicReference<>();
    private final AtomicReference<WebsocketOutbound> out = new AtomicReference<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicInteger ids = new AtomicInteger();
    private volatile long closedAtNanos;

    private TestClient() {
        Tracked.add(this);
    }

    /** Opens a connection and blocks (a test thread, never an event loop) until the handshake is done. */
    public static TestClient connect(URI uri) {
        TestClient client = open(uri).block(Duration.ofSeconds(10));
        if (client == null) {
            throw new AssertionError("no connection to " + uri);
        }
        return client;
    }

    /** Opens a connection; emits the client once the WebSocket handshake is done. */
    public static Mono<TestClient> open(URI uri) {
        return Mono.defer(() -> {
            TestClient client = new TestClient();
            HTTP.websocket(SPEC)
                    .uri(uri)
                    .handle(client::run)
                    .subscribe(null, client::terminated, () -> client.terminated(null));
            return client.connected.asMono().thenReturn(client);
        });
    }

    private Mono<Void> run(WebsocketInbound in, WebsocketOutbound out) {
        in.withConnection(connection::set);
        this.out.set(out);
        connected.tryEmitEmpty(); // one emission, from this one place
        // The peer's close frame (or our own, after close()) arrives here; empty when the socket just dies.
        in.receiveCloseStatus().subscribe(status -> closeCode.compareAndSet(null, status.code()));
        Mono<Void> receiving = in.receiveFrames()
                .doOnNext(this::onFrame)
                .then();
        Mono<Void> sending = out.sendObject(outbound.asFlux().map(Outgoing::toFrame)).then();
        return Mono.firstWithSignal(receiving, sending);
    }

    private void onFrame(WebSocketFrame frame) {
        if (frame instanceof TextWebSocketFrame text) {
            // Copied out now: Reactor Netty releases the frame's buffer after this returns.
            JsonNode node = Json.parse(text.text());
            frames.add(node);
            if (Json.isOp(node, "message")) {
                arrivals.add(new Arrival(node, System.nanoTime()));
            }
            frameCount.incrementAndGet();
            live.tryEmitNext(node); // best effort: nobody may be waiting, frames() has every frame anyway
        }
    }

    private void terminated(Throwable error) {
        if (error != null) {
            failure.compareAndSet(null, error);
            connected.tryEmitError(error); // fails a pending open(); ignored once connected
        }
        closedAtNanos = System.nanoTime();
        closed.tryEmitEmpty(); // once: the handle Flux terminates once
        live.tryEmitComplete();
        Tracked.remove(this);
    }

    // ---- sending

    public void send(String text) {
        emit(new Outgoing(text, null));
    }

    public void sendBinary(byte[] bytes) {
        emit(new Outgoing(null, bytes));
    }

    private void emit(Outgoing message) {
        // Test threads may call this concurrently with each other; the sink must see one at a time.
        synchronized (outbound) {
            outbound.tryEmitNext(message); // FAIL_CANCELLED after close: sending to a closed client is a no-op
        }
    }

    public int nextId() {
        return ids.incrementAndGet();
    }

    /** Sends a subscribe and returns its id (the reply is not awaited). */
    public int subscribeAsync(String channel) {
        int id = nextId();
        send("{\"op\":\"subscribe\",\"channel\":\"" + channel + "\",\"id\":" + id + "}");
        return id;
    }

    public int unsubscribeAsync(String channel) {
        int id = nextId();
        send("{\"op\":\"unsubscribe\",\"channel\":\"" + channel + "\",\"id\":" + id + "}");
        return id;
    }

    /** Subscribes and waits for the reply to this request (subscribed or error). */
    public JsonNode subscribe(String channel) {
        return reply(subscribeAsync(channel));
    }

    public JsonNode unsubscribe(String channel) {
        return reply(unsubscribeAsync(channel));
    }

    /** The reply (any frame) carrying this request id. */
    public JsonNode reply(int id) {
        return await(frame -> frame.has("id") && frame.get("id").isNumber() && frame.get("id").asInt() == id,
                DEFAULT_WAIT, "reply to request " + id);
    }

    // ---- receiving

    /** Every text frame received so far, in order. */
    public List<JsonNode> frames() {
        return new ArrayList<>(frames);
    }

    public int frameCount() {
        return frameCount.get();
    }

    /** The message frames of one channel received so far, in order. */
    public List<JsonNode> messages(String channel) {
        List<JsonNode> result = new ArrayList<>();
        for (JsonNode frame : frames) {
            if (Json.isOp(frame, "message") && channel.equals(Json.text(frame, "channel"))) {
                result.add(frame);
            }
        }
        return result;
    }

    /** A message frame and when it arrived ({@link System#nanoTime()}). */
    public record Arrival(JsonNode frame, long atNanos) {
    }

    /** Every message frame received so far, with its arrival time, in order. */
    public List<Arrival> arrivals() {
        return new ArrayList<>(arrivals);
    }

    /** The first frame (already received or still to come) that matches; fails after {@code within}. */
    public JsonNode await(Predicate<JsonNode> matching, Duration within, String what) {
        JsonNode frame = next(matching).block(within.plusSeconds(1));
        if (frame == null) {
            throw new AssertionError("no frame: " + what + "; received " + frames());
        }
        return frame;
    }

    /** The first frame (already received or still to come) that matches; errors after the default wait. */
    public Mono<JsonNode> next(Predicate<JsonNode> matching) {
        // Live frames are subscribed to first, then the past ones are scanned, so none falls in between.
        return live.asFlux()
                .mergeWith(Flux.defer(() -> Flux.fromIterable(frames)))
                .filter(matching)
                .next()
                .timeout(DEFAULT_WAIT);
    }

    // ---- closing

    /** Sends close 1000 and waits until the socket is closed. */
    @Override
    public void close() {
        WebsocketOutbound o = out.get();
        if (o != null && isOpen()) {
            o.sendClose(1000, "bye").onErrorResume(e -> Mono.empty()).subscribe();
        }
        awaitClosed(DEFAULT_WAIT);
    }

    /** Resets the TCP connection (SO_LINGER 0): the server sees an error, never a close frame. */
    public void abort() {
        Connection c = connection.get();
        if (c != null) {
            c.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            c.channel().close();
        }
    }

    /** Closes the TCP connection (FIN) without a WebSocket close frame. */
    public void vanish() {
        Connection c = connection.get();
        if (c != null) {
            c.channel().close();
        }
    }

    public boolean isOpen() {
        Connection c = connection.get();
        return c != null && c.channel().isActive() && closedAtNanos == 0;
    }

    /** Completes when the socket is closed, whoever closed it. */
    public Mono<Void> closed() {
        return closed.asMono();
    }

    public void awaitClosed(Duration within) {
        Eventually.await(within, "client socket closed", () -> closedAtNanos != 0);
    }

    /** The close code of the close frame received (or sent by close()); null when none. */
    public Integer closeCode() {
        return closeCode.get();
    }

    public long closedAtNanos() {
        return closedAtNanos;
    }

    public Throwable failure() {
        return failure.get();
    }

    /** A text or binary frame to send; turned into a Netty frame on the event loop that writes it. */
    private record Outgoing(String text, byte[] binary) {
        WebSocketFrame toFrame() {
            return text != null
                    ? new TextWebSocketFrame(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)))
                    : new BinaryWebSocketFrame(Unpooled.wrappedBuffer(binary));
        }
    }
}
