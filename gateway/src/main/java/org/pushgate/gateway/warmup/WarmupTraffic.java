package org.pushgate.gateway.warmup;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.http.HttpHeaders;

import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * The warm-up's client: real WebSockets and real publishes against this node's own port, over loopback, on one
 * event loop of its own. A round opens its connections (every fourth one speaks Centrifugo's protocol on
 * {@code /connection/websocket}, the others {@code /ws}, some subscribing by the query: {@link Kind}), each subscribing to a channel of its own and to the round's
 * shared channel; once all are subscribed it publishes once to every own channel (the publish path, many
 * channels) and {@code messages} times to the shared one (the fan-out); each connection closes with 1000 once it
 * has received everything meant for it. Nothing here is trusted to finish: a round ends at its deadline
 * whatever happened, and {@link #close()} disposes every socket, the pool and the loop.
 */
final class WarmupTraffic implements AutoCloseable {

    /** Where this node listens, as the warm-up reaches it. */
    record Target(String host, int port, boolean secure) { }

    /**
     * @param clientToken the connect token (jwt mode), or null (mode none: no connect needed on /ws)
     * @param apiAuthorization the publish API's Authorization header value, or null (loopback needs none)
     */
    record Credentials(String clientToken, String apiAuthorization) { }

    /** What one round did. */
    /** What one round did; {@code lastFailure} says why a connection or a publish failed (the latest), or null. */
    record Tally(int opened, int failed, int published, int publishFailed, long delivered, long expected,
                 String lastFailure) {
        Tally plus(Tally other) {
            return new Tally(opened + other.opened, failed + other.failed, published + other.published,
                    publishFailed + other.publishFailed, delivered + other.delivered, expected + other.expected,
                    other.lastFailure != null ? other.lastFailure : lastFailure);
        }

        static final Tally NONE = new Tally(0, 0, 0, 0, 0, 0, null);
    }

    /** Handshakes in flight at once: well under the edge's per-address cap (gateway.limits.max-handshakes-per-address). */
    static final int CONNECT_CONCURRENCY = 128;
    static final int PUBLISH_CONCURRENCY = 32;
    static final String LOOP_PREFIX = "pushgate-warmup";
    /** A socket not subscribed by then is given up (left to the round's end): a stuck handshake never holds a round. */
    static final Duration SUBSCRIBE_TIMEOUT = Duration.ofSeconds(10);
    /** After a failed publish, how long the round still waits for the messages that can come. */
    static final Duration PUBLISH_FAILED_GRACE = Duration.ofSeconds(2);
    /** After the round's end, how long its sockets get to close before they are disposed. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private static final String PUSHGATE_PATH = "/ws";
    private static final String CENTRIFUGO_PATH = "/connection/websocket";
    private static final String PUBLISH_PATH = "/api/publish";
    private static final String PUSHGATE_MESSAGE = "\"op\":\"message\"";
    private static final String CENTRIFUGO_PUB = "\"pub\":";
    private static final String PUSHGATE_ERROR = "\"op\":\"error\"";
    private static final String CENTRIFUGO_ERROR = "\"error\":{";
    private static final String REPLY_OWN = "\"id\":2";
    private static final String REPLY_SHARED = "\"id\":3";

    private final LoopResources loop = LoopResources.create(LOOP_PREFIX, 1, true);
    private final ConnectionProvider pool = ConnectionProvider.builder(LOOP_PREFIX)
            .maxConnections(PUBLISH_CONCURRENCY).pendingAcquireMaxCount(-1).build();
    private volatile Disposable.Composite sockets = Disposables.composite(); // the running round's
    private final HttpClient websockets;
    private final HttpClient api;
    private final Credentials credentials;

    WarmupTraffic(Target target, Credentials credentials) {
        this.credentials = credentials;
        HttpClient base = HttpClient.newConnection().runOn(loop).host(target.host()).port(target.port())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000);
        HttpClient pooled = HttpClient.create(pool).runOn(loop).host(target.host()).port(target.port())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000).responseTimeout(Duration.ofSeconds(5));
        if (target.secure()) {
            base = insecure(base);
            pooled = insecure(pooled);
        }
        this.websockets = base;
        this.api = pooled.headers(h -> {
            h.set(HttpHeaders.CONTENT_TYPE, "application/json");
            if (credentials.apiAuthorization() != null) {
                h.set(HttpHeaders.AUTHORIZATION, credentials.apiAuthorization());
            }
        });
    }

    /** TLS to its own certificate on its own address: there is nothing to verify. */
    private static HttpClient insecure(HttpClient client) {
        return client.secure(spec -> {
            try {
                spec.sslContext(io.netty.handler.ssl.SslContextBuilder.forClient()
                        .trustManager(InsecureTrustManagerFactory.INSTANCE).build());
            } catch (javax.net.ssl.SSLException e) {
                throw new IllegalStateException("cannot build the warm-up's TLS client", e);
            }
        });
    }

    /**
     * Runs one round and blocks the caller (the start-up thread) until it ends or {@code deadline} passes.
     *
     * @param own one channel per connection
     * @param shared the channel every connection of the round also subscribes to
     */
    Tally round(List<String> own, String shared, int messages, Duration deadline) {
        long endAt = System.nanoTime() + deadline.toNanos();
        int n = own.size();
        long expectedEach = 1L + messages;
        AtomicLong delivered = new AtomicLong();
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<String> lastFailure = new AtomicReference<>();
        Sinks.Empty<Void> roundEnd = Sinks.empty();
        Disposable.Composite round = Disposables.composite();
        sockets = round;
        Queue<Mono<Void>> subscribedGone = new ConcurrentLinkedQueue<>(); // the ends of the sockets that subscribed
        List<Mono<Boolean>> ready = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Sinks.One<Boolean> subscribed = Sinks.one();
            Sinks.Empty<Void> gone = Sinks.empty();
            String[] why = {"ended before its subscribes were answered"};
            Mono<Void> socket = socket(Kind.of(i, credentials.clientToken() != null), own.get(i), shared, expectedEach,
                    subscribed, delivered, why, roundEnd.asMono())
                    .onErrorResume(error -> {
                        why[0] = error.toString();
                        return Mono.empty();
                    })
                    .doFinally(signal -> {
                        // A socket fails once: when it ends (any way) before both its subscribes were answered.
                        if (subscribed.tryEmitValue(false).isSuccess()) {
                            failed.incrementAndGet();
                            lastFailure.set(why[0]);
                        }
                        gone.tryEmitEmpty();
                    });
            ready.add(Mono.defer(() -> {
                round.add(socket.subscribe());
                return subscribed.asMono()
                        .timeout(SUBSCRIBE_TIMEOUT, Mono.fromSupplier(() -> {
                            why[0] = "not subscribed within " + SUBSCRIBE_TIMEOUT.toSeconds() + " s";
                            return false; // left to the round's end and disposal
                        }))
                        .doOnNext(ok -> {
                            if (ok) {
                                subscribedGone.add(gone.asMono());
                            }
                        });
            }));
        }

        // Connect and subscribe, CONNECT_CONCURRENCY handshakes at a time.
        int opened = Flux.fromIterable(ready)
                .flatMap(r -> r, CONNECT_CONCURRENCY)
                .filter(Boolean::booleanValue)
                .take(remaining(endAt))
                .count()
                .blockOptional().orElse(0L).intValue();

        // Publish: once to every own channel, then the fan-out to the shared one.
        AtomicInteger published = new AtomicInteger();
        AtomicInteger publishFailed = new AtomicInteger();
        List<String> targets = new ArrayList<>(own);
        for (int m = 0; m < messages; m++) {
            targets.add(shared);
        }
        Flux.fromIterable(targets)
                .flatMap(channel -> publish(channel)
                        .doOnNext(ok -> (ok ? published : publishFailed).incrementAndGet()), PUBLISH_CONCURRENCY)
                .then()
                .timeout(remaining(endAt), Mono.empty())
                .block();
        if (publishFailed.get() > 0) {
            lastFailure.compareAndSet(null, "a publish was refused or failed");
        }

        // Receive and close: each subscribed socket closes itself (1000) once it has its messages. When a publish failed
        // some never will: they get a short grace, not the whole deadline. Then the rest are told to close, and what is
        // still open after that is disposed.
        Duration wait = publishFailed.get() > 0 ? min(PUBLISH_FAILED_GRACE, remaining(endAt)) : remaining(endAt);
        Mono.when(subscribedGone).timeout(wait, Mono.empty()).block();
        roundEnd.tryEmitEmpty();
        Mono.when(subscribedGone).timeout(CLOSE_WAIT, Mono.empty()).block();
        round.dispose();
        return new Tally(opened, failed.get(), published.get(), publishFailed.get(), delivered.get(),
                expectedEach * opened, lastFailure.get());
    }

    /**
     * One connection: its commands, then counting what arrives until it has {@code expected} messages or the round
     * ends, then a close with 1000 (the inbound is not cancelled: it ends with the node's answering close). An error
     * answer (a channel policy that refuses the warm-up's channels, a limit) ends the connection at once, its text in
     * {@code why}, so that the round does not wait for messages that will not come. {@code subscribed} gets true once
     * both subscribes are answered.
     */
    private Mono<Void> socket(Kind kind, String own, String shared, long expected, Sinks.One<Boolean> subscribed,
                              AtomicLong delivered, String[] why, Mono<Void> roundEnd) {
        List<String> commands = commands(kind, credentials.clientToken(), own, shared);
        String marker = kind == Kind.CENTRIFUGO ? CENTRIFUGO_PUB : PUSHGATE_MESSAGE;
        String error = kind == Kind.CENTRIFUGO ? CENTRIFUGO_ERROR : PUSHGATE_ERROR;
        // The query's subscribe is answered without an id: its reply names the channel.
        String ownReply = kind == Kind.PUSHGATE_QUERY ? "\"op\":\"subscribed\",\"channel\":\"" + own + "\"" : REPLY_OWN;
        return websockets
                .websocket(WebsocketClientSpec.builder().maxFramePayloadLength(1 << 20).build())
                .uri(switch (kind) {
                    case CENTRIFUGO -> CENTRIFUGO_PATH;
                    case PUSHGATE_QUERY -> PUSHGATE_PATH + "?channel=" + own;
                    case PUSHGATE -> PUSHGATE_PATH;
                })
                .handle((in, out) -> {
                    Sinks.Empty<Void> done = Sinks.empty();
                    int[] replies = {0};
                    in.receiveCloseStatus().subscribe(status -> {
                        if (replies[0] != 3 && why[0].startsWith("ended")) {
                            why[0] = kind + " ended before its subscribes were answered (close " + status.code() + " "
                                    + status.reasonText() + ")";
                        }
                    }, failure -> { });
                    long[] mine = {0};
                    Mono<Void> receive = in.receive().asString(StandardCharsets.UTF_8)
                            .doOnNext(text -> {
                                if (text.contains(error)) {
                                    why[0] = "answered " + text.substring(0, Math.min(text.length(), 200));
                                    done.tryEmitEmpty();
                                    return;
                                }
                                replies[0] |= (text.contains(ownReply) ? 1 : 0) | (text.contains(REPLY_SHARED) ? 2 : 0);
                                if (replies[0] == 3) {
                                    subscribed.tryEmitValue(true);
                                }
                                int got = occurrences(text, marker);
                                delivered.addAndGet(got);
                                mine[0] += got;
                                if (mine[0] >= expected) {
                                    done.tryEmitEmpty();
                                }
                            })
                            .doFinally(signal -> done.tryEmitEmpty()) // closed by the node: nothing more to say
                            .then();
                    Mono<Void> talk = out.sendString(Flux.fromIterable(commands)).then()
                            .then(Mono.firstWithSignal(done.asMono(), roundEnd))
                            .then(Mono.defer(() -> out.sendClose(1000, "warm-up done")))
                            .onErrorResume(e -> Mono.empty()); // the node closed first: nothing to close
                    return Mono.when(receive, talk);
                })
                .then();
    }

    /** How a connection speaks: as the clients of each protocol do. */
    enum Kind {
        /** {@code /ws}, subscribing with frames. */
        PUSHGATE,
        /** {@code /ws?channel=}, its own channel subscribed at connect (without a token: the simplest clients'). */
        PUSHGATE_QUERY,
        /** {@code /connection/websocket}, Centrifugo's JSON protocol. */
        CENTRIFUGO;

        /** Every fourth connection speaks Centrifugo's protocol, one in four subscribes by the query. */
        static Kind of(int i, boolean token) {
            return switch (i % 4) {
                case 3 -> CENTRIFUGO;
                case 1 -> token ? PUSHGATE : PUSHGATE_QUERY;
                default -> PUSHGATE;
            };
        }
    }

    /** Connect (when there is a token, or always on Centrifugo's protocol, which needs it), then the subscribes. */
    static List<String> commands(Kind kind, String token, String own, String shared) {
        List<String> commands = new ArrayList<>(3);
        if (kind == Kind.CENTRIFUGO) {
            commands.add("{\"id\":1,\"connect\":{" + (token == null ? "" : "\"token\":\"" + token + "\"") + "}}");
            commands.add("{\"id\":2,\"subscribe\":{\"channel\":\"" + own + "\"}}");
            commands.add("{\"id\":3,\"subscribe\":{\"channel\":\"" + shared + "\"}}");
        } else {
            if (token != null) {
                commands.add("{\"op\":\"connect\",\"token\":\"" + token + "\",\"id\":1}");
            }
            if (kind == Kind.PUSHGATE) {
                commands.add("{\"op\":\"subscribe\",\"channel\":\"" + own + "\",\"id\":2}");
            }
            commands.add("{\"op\":\"subscribe\",\"channel\":\"" + shared + "\",\"id\":3}");
        }
        return commands;
    }

    private Mono<Boolean> publish(String channel) {
        String body = "{\"channel\":\"" + channel + "\",\"data\":{\"warmup\":true}}";
        return api.post().uri(PUBLISH_PATH)
                .send(ByteBufFlux.fromString(Mono.just(body)))
                .responseSingle((response, content) -> content.then(Mono.just(response.status().code() / 100 == 2))
                        .defaultIfEmpty(response.status().code() / 100 == 2))
                .onErrorReturn(false);
    }

    static int occurrences(String text, String marker) {
        int count = 0;
        for (int at = text.indexOf(marker); at >= 0; at = text.indexOf(marker, at + marker.length())) {
            count++;
        }
        return count;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration remaining(long endAt) {
        return Duration.ofNanos(Math.max(1, endAt - System.nanoTime()));
    }

    /** Disposes every socket still open, the publish pool and the loop; waits at most a few seconds. */
    @Override
    public void close() {
        sockets.dispose();
        pool.disposeLater().timeout(Duration.ofSeconds(2), Mono.empty()).onErrorResume(e -> Mono.empty()).block();
        loop.disposeLater(Duration.ZERO, Duration.ofSeconds(2)).timeout(Duration.ofSeconds(3), Mono.empty())
                .onErrorResume(e -> Mono.empty()).block();
    }
}
