package org.pushgate.load;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.pushgate.load.client.Frames;
import org.pushgate.load.report.JsonCodec;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import reactor.util.concurrent.Queues;

/**
 * A tiny stand-in for the gateway, speaking its protocol (WebSocket /ws with ?channel=, subscribe/unsubscribe,
 * POST /api/publish, 503 over a connection limit, the gauges of /actuator/prometheus, close 4001 for a subscriber
 * whose bounded buffer overflows), so that the generator is tested end to end without the real server.
 */
final class FakeGateway implements AutoCloseable {

    private final Map<String, Set<Sub>> channels = new ConcurrentHashMap<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger subscriptions = new AtomicInteger();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong upgrades = new AtomicLong();
    /** Per channel, as the gateway's streams: +1 per publish, offered in offset order. */
    private final Map<String, AtomicLong> offsets = new ConcurrentHashMap<>();
    private final AtomicLong slowDisconnects = new AtomicLong();
    private final int maxConnections;
    private final int bufferSize;
    private final DisposableServer server;

    private final class Sub {
        final Sinks.Many<String> sink;
        final Set<String> subscribed = ConcurrentHashMap.newKeySet();
        volatile WebsocketOutbound out;

        Sub(int bufferSize) {
            sink = Sinks.many().unicast().onBackpressureBuffer(Queues.<String>get(bufferSize).get());
        }

        synchronized void offer(String frame) {
            if (sink.tryEmitNext(frame) == Sinks.EmitResult.FAIL_OVERFLOW) {
                slowDisconnects.incrementAndGet();
                WebsocketOutbound o = out;
                unsubscribeAll();
                sink.tryEmitComplete();
                if (o != null) {
                    o.sendClose(4001, "slow consumer").subscribe(null, e -> { });
                    o.withConnection(c -> c.channel().eventLoop().schedule(() -> c.dispose(), 1, java.util.concurrent.TimeUnit.SECONDS));
                }
            }
        }

        void subscribe(String channel) {
            if (subscribed.add(channel)) {
                channels.computeIfAbsent(channel, k -> ConcurrentHashMap.newKeySet()).add(this);
                subscriptions.incrementAndGet();
            }
        }

        void unsubscribe(String channel) {
            if (subscribed.remove(channel)) {
                channels.computeIfPresent(channel, (k, set) -> {
                    set.remove(this);
                    return set.isEmpty() ? null : set;
                });
                subscriptions.decrementAndGet();
            }
        }

        void unsubscribeAll() {
            for (String c : Set.copyOf(subscribed)) {
                unsubscribe(c);
            }
        }
    }

    FakeGateway(int port, int maxConnections, int bufferSize) {
        this(port, maxConnections, bufferSize, null);
    }

    /**
     * @param handshakeTimeout when set, a socket that has not completed a request within it is closed without an
     *                         answer, as the gateway's gateway.limits.handshake-timeout does (Reactor Netty's idle
     *                         timeout, which also runs before the first request)
     */
    FakeGateway(int port, int maxConnections, int bufferSize, Duration handshakeTimeout) {
        this.maxConnections = maxConnections;
        this.bufferSize = bufferSize;
        HttpServer http = HttpServer.create().host("127.0.0.1").port(port);
        if (handshakeTimeout != null) {
            http = http.idleTimeout(handshakeTimeout);
        }
        this.server = http
                .route(r -> r
                        .get("/ws", (req, res) -> {
                            if (!"websocket".equalsIgnoreCase(req.requestHeaders().get("Upgrade"))) {
                                return res.status(HttpResponseStatus.BAD_REQUEST).send();
                            }
                            if (connections.incrementAndGet() > this.maxConnections) {
                                connections.decrementAndGet();
                                return res.status(HttpResponseStatus.SERVICE_UNAVAILABLE).header("Retry-After", "1").send();
                            }
                            QueryStringDecoder q = new QueryStringDecoder(req.uri());
                            upgrades.incrementAndGet();
                            return res.sendWebsocket((in, out) -> socket(in, out,
                                    q.parameters().getOrDefault("channel", java.util.List.of())));
                        })
                        .post("/api/publish", (req, res) -> req.receive().aggregate().asString().flatMap(body -> {
                            tools.jackson.databind.JsonNode m = JsonCodec.read(body);
                            String channel = m.path("channel").asString();
                            String data = m.path("data").toString();
                            Set<Sub> subs = channels.getOrDefault(channel, Set.of());
                            AtomicLong offset = offsets.computeIfAbsent(channel, k -> new AtomicLong());
                            published.incrementAndGet();
                            int n = 0;
                            synchronized (offset) {
                                String frame = "{\"op\":\"message\",\"channel\":\"" + channel + "\",\"offset\":"
                                        + offset.incrementAndGet() + ",\"data\":" + data + "}";
                                for (Sub s : subs) {
                                    s.offer(frame);
                                    n++;
                                }
                            }
                            return res.header("Content-Type", "application/json")
                                    .sendString(Mono.just("{\"subscribers\":" + n + "}")).then();
                        }))
                        .get("/actuator/health", (req, res) -> res.header("Content-Type", "application/json")
                                .sendString(Mono.just("{\"status\":\"UP\"}")))
                        .get("/actuator/prometheus", (req, res) -> res.sendString(Mono.fromSupplier(this::metrics))))
                .bindNow(Duration.ofSeconds(10));
    }

    /** Publishes it accepted so far. */
    long published() {
        return published.get();
    }

    /** WebSocket upgrades it accepted so far. */
    long upgrades() {
        return upgrades.get();
    }

    int port() {
        return server.port();
    }

    private String metrics() {
        return "# TYPE gateway_connections_active gauge\n"
                + "gateway_connections_active " + connections.get() + ".0\n"
                + "gateway_subscriptions_active " + subscriptions.get() + ".0\n"
                + "gateway_channels_active " + channels.size() + ".0\n"
                + "gateway_messages_published_total " + published.get() + ".0\n"
                + "gateway_disconnects_total{reason=\"slow_consumer\"} " + slowDisconnects.get() + ".0\n"
                + "jvm_memory_used_bytes{area=\"heap\",id=\"all\"} "
                + (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) + ".0\n";
    }

    private Mono<Void> socket(WebsocketInbound in, WebsocketOutbound out, java.util.List<String> initial) {
        Sub sub = new Sub(bufferSize);
        sub.out = out;
        initial.forEach(sub::subscribe);
        Mono<Void> inbound = in.receive().asString().doOnNext(text -> {
            String op = Frames.stringField(text, "op");
            String channel = Frames.stringField(text, "channel");
            long id = Frames.longField(text, "id", 0);
            if ("subscribe".equals(op) && channel != null) {
                sub.subscribe(channel);
                sub.sink.tryEmitNext("{\"op\":\"subscribed\",\"channel\":\"" + channel + "\",\"id\":" + id + "}");
            }
            else if ("unsubscribe".equals(op) && channel != null) {
                sub.unsubscribe(channel);
                sub.sink.tryEmitNext("{\"op\":\"unsubscribed\",\"channel\":\"" + channel + "\",\"id\":" + id + "}");
            }
        }).then();
        Mono<Void> outbound = out.sendString(sub.sink.asFlux()).then();
        return Flux.merge(inbound, outbound).then()
                .doFinally(s -> {
                    sub.unsubscribeAll();
                    connections.decrementAndGet();
                });
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
    }

    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 18090;
        int max = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        try (FakeGateway g = new FakeGateway(port, max, 256)) {
            System.out.println("fake gateway on " + g.port());
            Thread.sleep(Long.parseLong(System.getProperty("fake.lifetime.ms", "600000")));
        }
    }
}
