package org.pushgate.gateway.broker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

import org.pushgate.gateway.hub.Hub;
import org.pushgate.gateway.hub.NodeSubscriptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * This node's pub/sub subscriptions at one shard, and the messages they bring.
 *
 * <p>What the node wants is what its hub has open ({@link #opened}/{@link #closed}, called inside the hub's step
 * for that channel: they only record the wish and wake the worker). One worker at a time (on a single-thread
 * scheduler, then on Lettuce's thread while its command runs) turns the wishes into batched SUBSCRIBE and
 * UNSUBSCRIBE commands, many channels each, one batch in flight: so the commands for one channel stay in the
 * order the hub asked for them. What Redis holds is tracked per channel: subscribed, or unknown (a command that
 * failed or timed out may or may not have been applied: the channel is sent again, whichever way it is wanted).
 *
 * <p>After every (re)connect of the pub/sub connection everything is unknown: the worker subscribes every wanted
 * channel again, unsubscribes the rest, then reads each wanted channel's position and hands it to
 * {@link Hub#catchUp}, so that subscribers who missed messages while the connection was down are told and
 * recover from the stream.
 *
 * <p>Messages of one connection arrive in order on its one Lettuce thread and are handed to the hub right there,
 * never reordered. A channel lives on one shard, so the order of every channel is kept.
 */
final class ShardSubscriptions extends RedisPubSubAdapter<String, byte[]> {

    private static final Logger log = LoggerFactory.getLogger(ShardSubscriptions.class);

    /** Channels per SUBSCRIBE or UNSUBSCRIBE command. */
    static final int BATCH = 512;
    /** Position reads in flight after a reconnect. */
    private static final int CATCH_UP_CONCURRENCY = 64;

    /** What Redis holds of a channel; absent from {@link #atRedis}: not subscribed. */
    private enum AtRedis { SUBSCRIBED, UNKNOWN }

    /** Where the worker reports. */
    interface Events {
        void resubscribed(int channels);

        void subscribeFailed();
    }

    private final String shard;
    private final String pubSubPrefix;
    private final Hub hub;
    private final Events events;
    private final Duration retryDelay;
    /** Wanted channels, each with its signal that Redis holds its subscription (a history read waits for it). */
    private final ConcurrentHashMap<String, CompletableFuture<Void>> wanted = new ConcurrentHashMap<>();
    /** Written by the worker only (one cycle at a time); read by the gauge and the auditor. */
    private final ConcurrentHashMap<String, AtRedis> atRedis = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> dirty = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicBoolean resync = new AtomicBoolean();
    /** Channels the auditor wanted again: their position is read after their next subscribe (see recheck). */
    private final Set<String> restored = ConcurrentHashMap.newKeySet();

    // Set by start(), cleared by stop(); owned by the shard's lifecycle.
    private volatile Scheduler worker;
    private volatile Supplier<StatefulRedisPubSubConnection<String, byte[]>> connection;
    private volatile Function<String, Mono<StreamPosition>> position;
    private volatile Disposable inFlight;
    private volatile Disposable retry;
    private volatile boolean stopped;

    ShardSubscriptions(String shard, String pubSubPrefix, Hub hub, Events events, Duration retryDelay) {
        this.shard = shard;
        this.pubSubPrefix = pubSubPrefix;
        this.hub = hub;
        this.events = events;
        this.retryDelay = retryDelay;
    }

    void start(Scheduler worker, Supplier<StatefulRedisPubSubConnection<String, byte[]>> connection,
               Function<String, Mono<StreamPosition>> position) {
        this.connection = connection;
        this.position = position;
        this.worker = worker;
        kick(); // channels opened before the start
    }

    /** Stops the worker; the pub/sub connection's close drops what Redis holds. */
    void stop() {
        stopped = true;
        dispose(retry);
        dispose(inFlight);
        wanted.values().forEach(ready -> ready.complete(null)); // nobody waits for a subscription that will not come
    }

    // ---- the hub's channel lifecycle (inside its per-channel step: record, wake the worker, return)

    void opened(String channel) {
        CompletableFuture<Void> previous = wanted.put(channel, new CompletableFuture<>());
        if (previous != null) {
            previous.complete(null); // cannot happen (opened and closed alternate); never leave a waiter hanging
        }
        dirty.offer(channel);
        kick();
    }

    void closed(String channel) {
        CompletableFuture<Void> ready = wanted.remove(channel);
        if (ready != null) {
            ready.complete(null); // a read still waiting is moot: its subscriber is gone
        }
        dirty.offer(channel);
        kick();
    }

    /** Completes when Redis holds the channel's subscription (at once when it does, or when nobody wants it). */
    Mono<Void> ready(String channel) {
        CompletableFuture<Void> ready = wanted.get(channel);
        return ready == null || ready.isDone() ? Mono.empty() : Mono.fromFuture(ready, true);
    }

    /** The pub/sub connection (re)connected: Redis holds only what Lettuce resubscribed by itself. */
    void connected() {
        resync.set(true);
        kick();
    }

    /** Channels Redis may hold for this node now (subscribed, or sent and not confirmed). */
    Set<String> held() {
        return Set.copyOf(atRedis.keySet());
    }

    int heldCount() {
        return atRedis.size();
    }

    Set<String> wantedChannels() {
        return Set.copyOf(wanted.keySet());
    }

    /**
     * The auditor's repair of one channel, inside the hub's step for it ({@link Hub#recheckNodeSubscription}), so
     * {@code open} is the hub's word now and no opened/closed of this channel can overlap: the wish is set to
     * match it, and the channel is sent again either way. A channel wanted again also has its position read once
     * it is subscribed (as after a reconnect): messages published while the node was not subscribed were lost to
     * it, and its subscribers are told.
     */
    NodeSubscriptions.Recheck recheck(String channel, boolean open) {
        NodeSubscriptions.Recheck outcome = NodeSubscriptions.Recheck.IN_STEP;
        if (open && !wanted.containsKey(channel)) {
            wanted.put(channel, new CompletableFuture<>());
            restored.add(channel);
            outcome = NodeSubscriptions.Recheck.RESTORED;
        } else if (!open && wanted.containsKey(channel)) {
            CompletableFuture<Void> ready = wanted.remove(channel);
            if (ready != null) {
                ready.complete(null); // nobody waits for a channel the hub does not have
            }
            outcome = NodeSubscriptions.Recheck.RELEASED;
        }
        resend(Set.of(channel));
        return outcome;
    }

    /**
     * Channels where what Redis holds and what is wanted differ: held and not wanted (an unsubscribe in flight,
     * or lost), or wanted and not confirmed subscribed (a subscribe in flight, or lost).
     */
    Set<String> outOfStep() {
        Set<String> out = new LinkedHashSet<>();
        atRedis.forEach((channel, state) -> {
            if (!wanted.containsKey(channel)) {
                out.add(channel);
            }
        });
        wanted.forEach((channel, ready) -> {
            if (atRedis.get(channel) != AtRedis.SUBSCRIBED) {
                out.add(channel);
            }
        });
        return out;
    }

    /** Sends these channels again, whichever way they are wanted (the auditor found them out of step). */
    void resend(Set<String> channels) {
        for (String channel : channels) {
            atRedis.computeIfPresent(channel, (name, state) -> AtRedis.UNKNOWN);
            dirty.offer(channel);
        }
        kick();
    }

    // ---- messages (on the pub/sub connection's Lettuce thread, in the order Redis sent them)

    @Override
    public void message(String redisChannel, byte[] payload) {
        if (!redisChannel.startsWith(pubSubPrefix)) {
            return;
        }
        String channel = redisChannel.substring(pubSubPrefix.length());
        int first = indexOf(payload, 0);
        int second = first < 0 ? -1 : indexOf(payload, first + 1);
        if (second < 0) {
            log.warn("redis {}: a message on {} without offset and epoch; ignored", shard, redisChannel);
            return;
        }
        long offset = Long.parseLong(new String(payload, 0, first, java.nio.charset.StandardCharsets.US_ASCII));
        String epoch = new String(payload, first + 1, second - first - 1, java.nio.charset.StandardCharsets.US_ASCII);
        byte[] data = java.util.Arrays.copyOfRange(payload, second + 1, payload.length);
        // Taken when deliver returns, so the hub keeps this thread's order. The count it reports is for the
        // publishing node's answer (Redis already counted the nodes): nobody here needs it.
        hub.deliver(channel, epoch, offset, data);
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == ':') {
                return i;
            }
        }
        return -1;
    }

    // ---- the worker

    private void kick() {
        Scheduler w = worker;
        if (w == null || stopped || !busy.compareAndSet(false, true)) {
            return;
        }
        schedule(w, this::cycle);
    }

    private void schedule(Scheduler w, Runnable task) {
        try {
            w.schedule(task);
        }
        catch (RejectedExecutionException shuttingDown) {
            busy.set(false);
        }
    }

    /** One cycle: collects what changed, sends it, and on completion runs the next cycle if anything is left. */
    private void cycle() {
        if (stopped) {
            busy.set(false);
            return;
        }
        boolean resyncing = resync.getAndSet(false);
        if (resyncing) {
            atRedis.replaceAll((name, state) -> AtRedis.UNKNOWN);
            dirty.addAll(atRedis.keySet()); // unsubscribed again unless wanted
            dirty.addAll(wanted.keySet());
        }
        Set<String> changed = new LinkedHashSet<>();
        for (String channel; (channel = dirty.poll()) != null; ) {
            changed.add(channel);
        }
        List<String> subscribe = new ArrayList<>();
        List<String> unsubscribe = new ArrayList<>();
        for (String channel : changed) {
            CompletableFuture<Void> ready = wanted.get(channel);
            AtRedis state = atRedis.get(channel);
            if (ready != null && state == AtRedis.SUBSCRIBED) {
                ready.complete(null);
            } else if (ready != null) {
                subscribe.add(channel);
            } else if (state != null) {
                unsubscribe.add(channel);
            }
        }
        if (subscribe.isEmpty() && unsubscribe.isEmpty() && !resyncing) {
            idle();
            return;
        }
        StatefulRedisPubSubConnection<String, byte[]> pubsub = connection.get();
        if (pubsub == null) {
            failed(subscribe, unsubscribe, resyncing);
            return;
        }
        List<String> failed = java.util.Collections.synchronizedList(new ArrayList<>());
        Mono<Void> work = Flux.fromIterable(chunks(subscribe))
                .concatMap(chunk -> pubsub.reactive().subscribe(redisChannels(chunk))
                        .then(Mono.fromRunnable(() -> subscribed(chunk)))
                        .onErrorResume(error -> failedChunk(chunk, error, failed)))
                .thenMany(Flux.fromIterable(chunks(unsubscribe))
                        .concatMap(chunk -> pubsub.reactive().unsubscribe(redisChannels(chunk))
                                .then(Mono.fromRunnable(() -> chunk.forEach(atRedis::remove)))
                                .onErrorResume(error -> failedChunk(chunk, error, failed))))
                .then(Mono.defer(() -> resyncing && failed.isEmpty() ? resubscribed(failed)
                        : catchUp(restoredIn(subscribe, failed), failed)));
        inFlight = work.subscribe(null,
                error -> failed(List.copyOf(failed), List.of(), resyncing), // the chunks handle their errors; not expected
                () -> {
                    if (failed.isEmpty()) {
                        next();
                    } else {
                        failed(List.copyOf(failed), List.of(), resyncing);
                    }
                });
    }

    private void subscribed(List<String> chunk) {
        for (String channel : chunk) {
            atRedis.put(channel, AtRedis.SUBSCRIBED);
            CompletableFuture<Void> ready = wanted.get(channel);
            if (ready != null) {
                ready.complete(null);
            }
        }
    }

    private Mono<Void> failedChunk(List<String> chunk, Throwable error, List<String> failed) {
        for (String channel : chunk) {
            atRedis.put(channel, AtRedis.UNKNOWN); // sent: Redis may or may not hold it
        }
        failed.addAll(chunk);
        log.debug("redis {}: (un)subscribe of {} channel(s) failed: {}", shard, chunk.size(), error.toString());
        return Mono.empty();
    }

    /**
     * After a resubscribe: each wanted channel's position, handed to the hub, so that a subscriber behind it
     * (messages published while this node was not subscribed) is told and recovers from the stream.
     */
    private Mono<Void> resubscribed(List<String> failed) {
        List<String> channels = new ArrayList<>(wanted.keySet());
        restored.removeAll(channels); // read here with all the others
        events.resubscribed(channels.size());
        return catchUp(channels, failed);
    }

    private Mono<Void> catchUp(List<String> channels, List<String> failed) {
        if (channels.isEmpty()) {
            return Mono.empty();
        }
        return Flux.fromIterable(channels)
                .flatMap(channel -> position.apply(channel)
                        .doOnNext(p -> hub.catchUp(channel, p.epoch(), p.offset()))
                        .onErrorResume(error -> {
                            failed.add(channel);
                            return Mono.empty();
                        }), CATCH_UP_CONCURRENCY)
                .then();
    }

    /** The restored channels among those just subscribed (taken: each is read once), still wanted. */
    private List<String> restoredIn(List<String> subscribed, List<String> failed) {
        if (restored.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String channel : subscribed) {
            if (!failed.contains(channel) && restored.remove(channel) && wanted.containsKey(channel)) {
                out.add(channel);
            }
        }
        return out;
    }

    /** Nothing went through: marks what was sent as unknown and tries again after the retry delay. */
    private void failed(List<String> subscribe, List<String> unsubscribe, boolean resyncing) {
        if (resyncing) {
            resync.set(true); // the catch-up must follow a complete resubscribe
        }
        dirty.addAll(subscribe);
        dirty.addAll(unsubscribe);
        events.subscribeFailed();
        Scheduler w = worker;
        if (w == null || stopped) {
            busy.set(false);
            return;
        }
        try {
            retry = w.schedule(this::cycle, retryDelay.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (RejectedExecutionException shuttingDown) {
            busy.set(false);
        }
    }

    private void next() {
        if (dirty.isEmpty() && !resync.get()) {
            idle();
            return;
        }
        Scheduler w = worker;
        if (w != null && !stopped) {
            schedule(w, this::cycle);
        } else {
            busy.set(false);
        }
    }

    /** Leaves the worker idle, unless something arrived meanwhile (no wake-up is lost between check and set). */
    private void idle() {
        busy.set(false);
        if (!dirty.isEmpty() || resync.get()) {
            kick();
        }
    }

    private String[] redisChannels(List<String> channels) {
        String[] out = new String[channels.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = pubSubPrefix + channels.get(i);
        }
        return out;
    }

    private static List<List<String>> chunks(List<String> channels) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < channels.size(); i += BATCH) {
            out.add(channels.subList(i, Math.min(channels.size(), i + BATCH)));
        }
        return out;
    }

    private static void dispose(Disposable d) {
        if (d != null) {
            d.dispose();
        }
    }
}
