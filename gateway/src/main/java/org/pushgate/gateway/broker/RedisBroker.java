package org.pushgate.gateway.broker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.hub.Hub;
import org.pushgate.gateway.hub.NodeSubscriptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.lettuce.core.RedisException;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The many-node engine: streams live in Redis, and every node with a local subscriber of a channel receives its
 * publishes through Redis pub/sub. Channels are spread over independent Redis instances (shards) by a consistent
 * hash of the name ({@link ShardRing}): every PUBLISH goes to one instance only, so pub/sub capacity grows with
 * the instances (Redis Cluster would broadcast each PUBLISH to all its nodes).
 *
 * <p>A publish is one Lua script (publish.lua): offset, stored message, ttls and the PUBLISH to every node are
 * one atomic step, so all nodes see one order and history agrees with it. {@link Published#reached()} is the
 * number of nodes that received the message (each then fans it out to its own subscribers), not subscribers.
 *
 * <p>The node holds a Redis subscription for a channel exactly while its hub has the channel open
 * ({@link NodeSubscriptions}, batched per shard by {@link ShardSubscriptions}). A history read of a channel this
 * node is subscribing to waits until Redis holds that subscription, so that nothing published after the read
 * can miss the node.
 *
 * <p>Owns, from {@link #start} to {@link #stop}: Lettuce's client resources (its threads), one
 * {@link RedisShard} per instance (two connections each) and the subscription worker's thread. Stops after the
 * web server (a lower phase), so that publishes during the graceful shutdown still go out.
 */
final class RedisBroker implements Broker, NodeSubscriptions, BrokerSubscriptions, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    /** Where the engine reports what it does; see GatewayMetrics. */
    interface Events extends ShardSubscriptions.Events, RedisShard.Events {
        void published(long nanos, boolean ok);

        void failed(String operation);
    }

    private final Hub hub;
    private final HistoryPolicy policy;
    private final GatewayProperties.Broker.Redis settings;
    private final Events events;
    private final List<RedisShard> shards = new ArrayList<>();
    private final ShardRing ring;

    private volatile ClientResources resources;
    private volatile Scheduler worker;

    RedisBroker(Hub hub, HistoryPolicy policy, GatewayProperties.Broker.Redis settings, Events events) {
        if (settings.uris().isEmpty()) {
            throw new IllegalArgumentException("gateway.broker.redis.uris must name at least one redis:// URI");
        }
        // Loads the epochs' seed here, on the starting thread: its SecureRandom may read /dev/urandom, a blocking
        // call that no event loop (nor Lettuce's threads, where publishes run) may make.
        Epochs.candidate();
        this.hub = hub;
        this.policy = policy;
        this.settings = settings;
        this.events = events;
        List<String> names = new ArrayList<>();
        for (String uri : settings.uris()) {
            RedisShard shard = new RedisShard(uri, settings.prefix(), settings.timeout(), settings.requestQueueSize(),
                    events, events, hub, settings.reconnectMaxDelay());
            shards.add(shard);
            names.add(shard.name);
        }
        this.ring = new ShardRing(names);
    }

    // ---- lifecycle

    @Override
    public void start() {
        resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), settings.reconnectMaxDelay(), 2, TimeUnit.MILLISECONDS))
                .build();
        worker = Schedulers.newSingle("redis-subscriptions", true);
        for (RedisShard shard : shards) {
            shard.start(resources, worker, settings.reconnectMaxDelay(), channel -> position(shard, channel));
        }
        log.info("redis broker: {} shard(s) {}", shards.size(), shards.stream().map(s -> s.name).toList());
    }

    @Override
    public void stop() {
        throw new UnsupportedOperationException("stop(Runnable) is the only way this lifecycle stops");
    }

    /** Closes every connection (the pub/sub ones drop this node's subscriptions), then Lettuce's threads. */
    @Override
    public void stop(Runnable callback) {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (RedisShard shard : shards) {
            closing.add(shard.stop());
        }
        ClientResources r = resources;
        Scheduler w = worker;
        resources = null;
        worker = null;
        CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new))
                .exceptionally(error -> {
                    log.warn("redis broker: closing a connection failed", error);
                    return null;
                })
                .thenCompose(closed -> {
                    if (w != null) {
                        w.dispose();
                    }
                    CompletableFuture<Void> shutDown = new CompletableFuture<>();
                    if (r == null) {
                        shutDown.complete(null);
                    } else {
                        r.shutdown(0, settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                                .addListener(future -> shutDown.complete(null));
                    }
                    // A Lettuce thread stuck on an endpoint lock (see RedisShard.stop) never terminates: give up.
                    return shutDown.orTimeout(2 * settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                            .exceptionally(error -> {
                                log.warn("redis broker: Lettuce's threads did not stop within {}; giving up on them",
                                        settings.timeout().multipliedBy(2));
                                return null;
                            });
                })
                .whenComplete((done, error) -> callback.run());
    }

    @Override
    public boolean isRunning() {
        return resources != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    // ---- Broker

    @Override
    public Mono<Published> publish(String channel, byte[] data) {
        RedisShard shard = shardOf(channel);
        return Mono.defer(() -> {
            long start = System.nanoTime();
            return shard.publish(channel, data, policy.sizeOf(channel), policy.ttlOf(channel))
                    .timeout(settings.timeout())
                    .onErrorMap(error -> unavailable(shard, "publish", error))
                    .doOnSuccess(published -> events.published(System.nanoTime() - start, true))
                    .doOnError(error -> events.published(System.nanoTime() - start, false));
        });
    }

    @Override
    public Mono<History> history(String channel, long since, int limit) {
        RedisShard shard = shardOf(channel);
        return shard.subscriptions.ready(channel)
                .then(shard.history(channel, since, limit, policy.sizeOf(channel), policy.ttlOf(channel)))
                .timeout(settings.timeout())
                .onErrorMap(error -> unavailable(shard, "history", error));
    }

    @Override
    public Mono<Void> forget(java.util.Collection<String> channels) {
        return Flux.fromIterable(channels)
                .groupBy(this::shardOf)
                .flatMap(group -> group.collectList().flatMap(names -> group.key().forget(names)
                        .timeout(settings.timeout())
                        .onErrorMap(error -> unavailable(group.key(), "forget", error))))
                .then();
    }

    @Override
    public boolean available() {
        for (RedisShard shard : shards) {
            if (!shard.available()) {
                return false;
            }
        }
        return true;
    }

    private Mono<StreamPosition> position(RedisShard shard, String channel) {
        return shard.history(channel, 0, 0, policy.sizeOf(channel), policy.ttlOf(channel))
                .timeout(settings.timeout())
                .map(History::top);
    }

    private Throwable unavailable(RedisShard shard, String operation, Throwable error) {
        if (error instanceof BrokerUnavailableException) {
            events.failed(operation);
            return error;
        }
        if (error instanceof RedisException || error instanceof TimeoutException) {
            events.failed(operation);
            return new BrokerUnavailableException("redis " + shard.name + " did not answer the " + operation
                    + " in time: " + error, error);
        }
        return error;
    }

    RedisShard shardOf(String channel) {
        return shards.get(ring.shardOf(channel));
    }

    // ---- NodeSubscriptions: inside the hub's per-channel step; each only records and wakes the shard's worker

    @Override
    public void opened(String channel) {
        shardOf(channel).subscriptions.opened(channel);
    }

    @Override
    public void closed(String channel) {
        shardOf(channel).subscriptions.closed(channel);
    }

    /**
     * On the hub's draining thread: the channel's stream handed out an offset twice under {@code epoch} (it lost
     * writes). Moves it to a new epoch at Redis (only if it still stands at that one, so every node that saw the
     * repeat agrees on one new epoch), then hands the new position to the hub, whose subscribers are told their
     * state is insufficient; their recovery with the old epoch answers {@code recovered:false}. Until the answer
     * comes, repeats are dropped as before. A failed attempt is logged; the next repeat tries again.
     */
    @Override
    public void lostWrites(String channel, String epoch) {
        RedisShard shard = shardOf(channel);
        shard.renewEpoch(channel, epoch, policy.ttlOf(channel))
                .timeout(settings.timeout())
                .subscribe(position -> {
                    if (!position.epoch().equals(epoch)) {
                        log.warn("redis {}: stream {} handed out offsets again under epoch {} (lost writes): now at {}",
                                shard.name, channel, epoch, position);
                    }
                    hub.catchUp(channel, position.epoch(), position.offset());
                }, error -> log.warn("redis {}: moving stream {} off epoch {} failed: {}", shard.name, channel, epoch,
                        error.toString()));
    }

    // ---- BrokerSubscriptions

    @Override
    public Set<String> held() {
        Set<String> all = new HashSet<>();
        for (RedisShard shard : shards) {
            all.addAll(shard.subscriptions.held());
        }
        return all;
    }

    @Override
    public int heldCount() {
        int n = 0;
        for (RedisShard shard : shards) {
            n += shard.subscriptions.heldCount();
        }
        return n;
    }

    @Override
    public Reconciled reconcile(Set<String> hubChannels) {
        int held = heldCount();
        int released = 0;
        int restored = 0;
        int resent = 0;
        for (RedisShard shard : shards) {
            Set<String> wanted = shard.subscriptions.wantedChannels();
            Set<String> suspects = new LinkedHashSet<>();
            for (String channel : wanted) {
                if (!hubChannels.contains(channel)) {
                    suspects.add(channel); // a lost close, or a last subscriber who left after the snapshot
                }
            }
            for (String channel : hubChannels) {
                if (!wanted.contains(channel) && shardOf(channel) == shard) {
                    suspects.add(channel); // a lost open, or a first subscriber who came after the snapshot
                }
            }
            for (String channel : suspects) {
                // The snapshots may be stale by now: only the hub's step for the channel says what it needs.
                switch (hub.recheckNodeSubscription(channel)) {
                    case RELEASED -> released++;
                    case RESTORED -> restored++;
                    case IN_STEP -> { }
                }
            }
            Set<String> outOfStep = shard.subscriptions.outOfStep();
            outOfStep.removeAll(suspects); // sent again by their recheck already
            shard.subscriptions.resend(outOfStep);
            resent += outOfStep.size();
        }
        return new Reconciled(held, released, restored, resent);
    }

    /** Inside the hub's step for the channel (see {@link Hub#recheckNodeSubscription}). */
    @Override
    public Recheck recheck(String channel, boolean open) {
        return shardOf(channel).subscriptions.recheck(channel, open);
    }
}
