package org.pushgate.gateway.broker;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * One Redis instance (or Sentinel-watched master) and what this node holds of it: a command connection (the Lua
 * scripts, pings), a pub/sub connection ({@link ShardSubscriptions}), and the Lettuce client that reconnects
 * both. Acquired by {@link #start}, released by {@link #stop} (the broker's lifecycle calls both).
 *
 * <p>Lettuce is told to fail fast rather than queue: commands issued while disconnected are rejected, at most
 * {@code requestQueueSize} are in flight per connection, and each times out after the broker timeout. The first
 * connect is retried with backoff like the reconnects Lettuce does itself, so a gateway may start before its
 * Redis and become ready when Redis does.
 */
final class RedisShard {

    private static final Logger log = LoggerFactory.getLogger(RedisShard.class);
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
    private static final RedisScript PUBLISH = RedisScript.load("publish.lua");
    private static final RedisScript HISTORY = RedisScript.load("history.lua");
    private static final RedisScript RENEW_EPOCH = RedisScript.load("renew-epoch.lua");
    private static final Duration PING_EVERY = Duration.ofSeconds(1);

    /** Where the shard reports; called on Lettuce's threads. */
    interface Events {
        void reconnected(String shard);
    }

    final String name;
    final ShardSubscriptions subscriptions;
    private final RedisURI uri;
    private final String keyPrefix;
    private final String pubSubPrefix;
    private final Duration timeout;
    private final int requestQueueSize;
    private final Events events;

    // Owned by start()/stop().
    private volatile RedisClient client;
    private volatile StatefulRedisConnection<String, byte[]> commands;
    private volatile StatefulRedisPubSubConnection<String, byte[]> pubsub;
    private volatile Disposable connecting;
    private volatile Disposable pinging;
    private volatile boolean pingAnswered;

    RedisShard(String uri, String prefix, Duration timeout, int requestQueueSize, ShardSubscriptions.Events subscriptionEvents,
               Events events, org.pushgate.gateway.hub.Hub hub, Duration retryDelay) {
        this.uri = RedisURI.create(uri);
        this.name = nameOf(uri);
        this.keyPrefix = prefix + ":";
        this.pubSubPrefix = prefix + ":ch:";
        this.timeout = timeout;
        this.requestQueueSize = requestQueueSize;
        this.events = events;
        this.subscriptions = new ShardSubscriptions(name, pubSubPrefix, hub, subscriptionEvents, retryDelay);
    }

    /** The URI without credentials or query: how the ring and the logs name the shard. */
    static String nameOf(String uri) {
        RedisURI parsed = RedisURI.create(uri);
        String scheme = uri.substring(0, Math.max(0, uri.indexOf("://")));
        StringBuilder out = new StringBuilder(scheme).append("://");
        if (parsed.getSentinels().isEmpty()) {
            out.append(parsed.getHost()).append(':').append(parsed.getPort());
        } else {
            List<String> sentinels = new ArrayList<>();
            parsed.getSentinels().forEach(s -> sentinels.add(s.getHost() + ":" + s.getPort()));
            out.append(String.join(",", sentinels)).append('#').append(parsed.getSentinelMasterId());
        }
        return out.append('/').append(parsed.getDatabase()).toString();
    }

    /** @param position how the broker reads a channel's position (with the channel's history policy) */
    void start(ClientResources resources, Scheduler worker, Duration reconnectMaxDelay,
               java.util.function.Function<String, Mono<StreamPosition>> position) {
        RedisClient c = RedisClient.create(resources, uri);
        c.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(requestQueueSize)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build())
                .build());
        c.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                // The first connect is reported by connect() below, which also wires the connection's fields.
                if (connection == pubsub) {
                    log.info("redis {}: pub/sub reconnected to {}; resubscribing", name, address);
                    events.reconnected(name);
                    subscriptions.connected();
                }
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                if (connection == pubsub || connection == commands) {
                    pingAnswered = false;
                    log.warn("redis {}: {} connection lost; reconnecting", name, connection == pubsub ? "pub/sub" : "command");
                }
            }
        });
        client = c;
        subscriptions.start(worker, () -> pubsub, position);
        Retry backoff = Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(50)).maxBackoff(reconnectMaxDelay)
                .doBeforeRetry(signal -> {
                    if (signal.totalRetries() % 20 == 0) {
                        log.warn("redis {}: not reachable yet ({}); retrying", name, signal.failure().toString());
                    }
                });
        Mono<Void> connectCommands = Mono.fromCompletionStage(() -> c.connectAsync(CODEC, uri))
                .retryWhen(backoff)
                .doOnNext(connection -> commands = connection)
                .then(Mono.defer(this::ping)) // ready at once, not at the next tick
                .doOnNext(answered -> pingAnswered = answered)
                .then();
        Mono<Void> connectPubSub = Mono.fromCompletionStage(() -> c.connectPubSubAsync(CODEC, uri))
                .retryWhen(backoff)
                .doOnNext(connection -> {
                    connection.addListener(subscriptions);
                    pubsub = connection;
                    subscriptions.connected();
                })
                .then();
        connecting = Mono.when(connectCommands, connectPubSub)
                .subscribe(null, error -> log.error("redis {}: connecting stopped", name, error),
                        () -> log.info("redis {}: connected", name));
        pinging = Flux.interval(Duration.ZERO, PING_EVERY, worker)
                .onBackpressureDrop()
                .concatMap(tick -> ping(), 0)
                .subscribe(answered -> pingAnswered = answered);
    }

    /** Whether both connections are up and Redis answered the last ping in time (readiness). */
    boolean available() {
        StatefulRedisConnection<String, byte[]> c = commands;
        StatefulRedisPubSubConnection<String, byte[]> p = pubsub;
        return pingAnswered && c != null && c.isOpen() && p != null && p.isOpen();
    }

    private Mono<Boolean> ping() {
        StatefulRedisConnection<String, byte[]> c = commands;
        if (c == null) {
            return Mono.just(false);
        }
        return c.reactive().ping().map("PONG"::equals).timeout(timeout).onErrorReturn(false);
    }

    /**
     * Closes both connections and the client; never blocks or spins the caller, and completes within about
     * twice the broker timeout whatever Lettuce does.
     *
     * <p>Lettuce's {@code closeAsync} is synchronous up to the endpoint's exclusive lock, and that lock busy-waits
     * without bound when its writer count has leaked (Lettuce issues #2905, #3804, #3880). So the closes run on
     * a thread of their own (a daemon, one per stop: a thread stuck in that spin cannot be reused or
     * interrupted), and after the broker timeout this node gives up on them, logs it, and shuts the client
     * down (also bounded); the broker then shuts Lettuce's event loops down, which closes the sockets.
     */
    CompletableFuture<Void> stop() {
        dispose(connecting);
        dispose(pinging);
        subscriptions.stop();
        StatefulRedisPubSubConnection<String, byte[]> p = pubsub;
        StatefulRedisConnection<String, byte[]> c = commands;
        pubsub = null;
        commands = null;
        pingAnswered = false;
        RedisClient cl = client;
        client = null;
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Thread closer = new Thread(() -> {
            try {
                List<CompletableFuture<Void>> closing = new ArrayList<>();
                // The pub/sub connection first: its close drops every subscription this node holds at Redis.
                if (p != null) {
                    closing.add(p.closeAsync());
                }
                if (c != null) {
                    closing.add(c.closeAsync());
                }
                CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new))
                        .whenComplete((done, error) -> closed.complete(null));
            }
            catch (RuntimeException | Error e) {
                log.warn("redis {}: closing the connections failed", name, e);
                closed.complete(null);
            }
        }, "redis-close-" + name);
        closer.setDaemon(true);
        closer.start();
        return bounded(closed, "closing the connections")
                .thenCompose(done -> cl == null ? CompletableFuture.completedFuture(null)
                        : bounded(cl.shutdownAsync(0, timeout.toMillis(), TimeUnit.MILLISECONDS), "shutting the client down"));
    }

    /** {@code step}, completed normally after the broker timeout at the latest (and logged if it had to be). */
    private CompletableFuture<Void> bounded(CompletableFuture<Void> step, String what) {
        return step.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((done, error) -> {
                    if (error instanceof TimeoutException) {
                        log.warn("redis {}: {} did not finish within {}; giving up on it (a Lettuce close stuck on"
                                + " its endpoint lock; see RedisShard.stop)", name, what, timeout);
                    }
                    else if (error != null) {
                        log.warn("redis {}: {} failed", name, what, error);
                    }
                    return null;
                });
    }

    // ---- commands

    private StatefulRedisConnection<String, byte[]> connection() {
        StatefulRedisConnection<String, byte[]> c = commands;
        if (c == null) {
            throw new BrokerUnavailableException("redis " + name + " is not connected", null);
        }
        return c;
    }

    /** {offset, epoch, nodes} of a new message; see publish.lua. */
    Mono<Published> publish(String channel, byte[] data, int size, Duration ttl) {
        return Mono.defer(() -> PUBLISH.run(connection().reactive(), keys(channel),
                        (pubSubPrefix + channel).getBytes(StandardCharsets.UTF_8), data, ascii(size),
                        ascii(ttl.toMillis()), Epochs.candidate().getBytes(StandardCharsets.US_ASCII)))
                .map(reply -> new Published(new StreamPosition((Long) reply.get(0), text(reply.get(1))),
                        ((Long) reply.get(2)).intValue()));
    }

    /** A read of the stream; see history.lua. */
    Mono<History> history(String channel, long since, int limit, int size, Duration ttl) {
        return Mono.defer(() -> HISTORY.run(connection().reactive(), keys(channel), ascii(since), ascii(limit),
                        ascii(size), ascii(ttl.toMillis()), Epochs.candidate().getBytes(StandardCharsets.US_ASCII)))
                .map(reply -> {
                    StreamPosition top = new StreamPosition((Long) reply.get(0), text(reply.get(1)));
                    int n = (reply.size() - 2) / 2;
                    List<StreamMessage> messages = new ArrayList<>(Math.min(n, limit));
                    for (int i = 0; i < n && i < limit; i++) {
                        String id = text(reply.get(2 + 2 * i));
                        long offset = Long.parseLong(id.substring(0, id.indexOf('-')));
                        messages.add(new StreamMessage(offset, (byte[]) reply.get(3 + 2 * i)));
                    }
                    boolean complete = limit == 0 ? since >= top.offset() : n <= limit;
                    return new History(top, List.copyOf(messages), complete);
                });
    }

    /** Moves the stream to a new epoch if it still stands at {@code seen}; its position now. See renew-epoch.lua. */
    Mono<StreamPosition> renewEpoch(String channel, String seen, Duration ttl) {
        return Mono.defer(() -> RENEW_EPOCH.run(connection().reactive(), keys(channel),
                        seen.getBytes(StandardCharsets.US_ASCII), Epochs.candidate().getBytes(StandardCharsets.US_ASCII),
                        ascii(ttl.toMillis())))
                .map(reply -> new StreamPosition((Long) reply.get(0), text(reply.get(1))));
    }

    /** Deletes the channels' stream and meta keys (one DEL). */
    Mono<Void> forget(List<String> channels) {
        return Mono.defer(() -> {
            List<String> keys = new ArrayList<>(channels.size() * 2);
            channels.forEach(channel -> keys.addAll(List.of(keys(channel))));
            return connection().reactive().del(keys.toArray(String[]::new)).then();
        });
    }

    private String[] keys(String channel) {
        return new String[] {keyPrefix + "meta:" + channel, keyPrefix + "stream:" + channel};
    }

    private static byte[] ascii(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(Object bulk) {
        return bulk instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(bulk);
    }

    private static void dispose(Disposable d) {
        if (d != null) {
            d.dispose();
        }
    }
}
