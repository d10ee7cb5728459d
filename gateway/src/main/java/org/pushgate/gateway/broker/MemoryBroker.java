package org.pushgate.gateway.broker;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.pushgate.gateway.hub.Hub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The embedded single-node engine: each channel's stream (offset, epoch, bounded history) in this process, and
 * every publish handed straight to this node's hub.
 *
 * <p>A stream is created by its first publish or read, with a new epoch, and lives until {@code ttl} after its
 * last publish (history size and ttl per namespace). All streams together hold at most {@code maxBytes} of
 * message data; past it the least recently published streams are dropped (their next use starts a new epoch, so
 * a client can tell), counted. A restart of the process loses every stream: new epochs.
 *
 * <p>One lock per stream makes a publish one step: the offset is assigned, the message stored and handed to the
 * hub in that order, so the hub sees every channel's messages in offset order and a history read never sees a
 * message the hub has not been handed.
 */
final class MemoryBroker implements Broker, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(MemoryBroker.class);
    /** Bookkeeping charged per stored message and per stream on top of the data, so that tiny messages count too. */
    static final int MESSAGE_OVERHEAD = 48;
    static final int STREAM_OVERHEAD = 256;

    /** Why a stream was dropped; the tag of {@code gateway_history_streams_dropped_total{reason}}. */
    enum DropReason { EXPIRED, MEMORY, FORGOTTEN }

    /** Where the engine reports what it drops. */
    interface Events {
        void streamDropped(DropReason reason);
    }

    private final Hub hub;
    private final HistoryPolicy policy;
    private final long maxBytes;
    private final LongSupplier clock; // milliseconds, for the ttl
    private final Executor evictor;   // where a memory eviction pass runs: a worker, not the publishing loop
    private final Events events;
    private final ConcurrentHashMap<String, Stream> streams = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicBoolean evicting = new AtomicBoolean();
    private final Scheduler scheduler;
    private volatile Disposable expiring;

    /** @param scheduler the clock for ttls, and where expiry and eviction passes run */
    MemoryBroker(Hub hub, HistoryPolicy policy, long maxBytes, Scheduler scheduler, Events events) {
        this.hub = hub;
        this.policy = policy;
        this.maxBytes = maxBytes;
        this.scheduler = scheduler;
        this.clock = () -> scheduler.now(TimeUnit.MILLISECONDS);
        this.evictor = task -> scheduler.schedule(task);
        this.events = events;
    }

    /** Expires streams every tenth of the shortest ttl (at most every 30 s), on the scheduler; owned by this lifecycle. */
    @Override
    public void start() {
        long shortest = policy.namespaces().values().stream()
                .filter(rule -> rule.ttl() != null).mapToLong(rule -> rule.ttl().toMillis())
                .reduce(policy.ttl().toMillis(), Math::min);
        Duration every = Duration.ofMillis(Math.max(100, Math.min(30_000, shortest / 10)));
        expiring = Flux.interval(every, every, scheduler)
                .onBackpressureDrop()
                .subscribe(tick -> expire(), error -> log.error("history expiry stopped", error));
    }

    @Override
    public void stop() {
        Disposable d = expiring;
        if (d != null) {
            d.dispose();
        }
        expiring = null;
    }

    @Override
    public boolean isRunning() {
        return expiring != null && !expiring.isDisposed();
    }

    @Override
    public Mono<Published> publish(String channel, byte[] data) {
        return Mono.defer(() -> {
            long now = clock.getAsLong();
            while (true) {
                Stream stream = live(channel, now);
                Mono<Integer> reached;
                StreamPosition position;
                synchronized (stream) {
                    if (stream.dropped) {
                        continue; // evicted or expired between the lookup and the lock: take the new one
                    }
                    position = stream.append(data, now);
                    // Inside the stream's lock: the hub takes messages in the order offsets are assigned.
                    reached = hub.deliver(channel, position.epoch(), position.offset(), data);
                }
                if (bytes.get() > maxBytes) {
                    evictSoon();
                }
                return reached.map(n -> new Published(position, n));
            }
        });
    }

    @Override
    public Mono<History> history(String channel, long since, int limit) {
        return Mono.fromSupplier(() -> {
            while (true) {
                Stream stream = live(channel, clock.getAsLong());
                synchronized (stream) {
                    if (!stream.dropped) {
                        return stream.read(since, limit);
                    }
                }
            }
        });
    }

    @Override
    public Mono<Void> forget(java.util.Collection<String> channels) {
        return Mono.fromRunnable(() -> {
            for (String channel : channels) {
                Stream stream = streams.remove(channel);
                if (stream != null) {
                    drop(stream, DropReason.FORGOTTEN);
                }
            }
        });
    }

    /** The channel's stream, created with a new epoch if it does not exist or has expired. */
    private Stream live(String channel, long now) {
        return streams.compute(channel, (name, existing) -> {
            if (existing != null && !existing.expired(now)) {
                return existing;
            }
            if (existing != null) {
                drop(existing, DropReason.EXPIRED);
            }
            bytes.addAndGet(STREAM_OVERHEAD);
            return new Stream(name, Epochs.next(), policy.sizeOf(name), policy.ttlOf(name).toMillis(), now);
        });
    }

    /** Under the map's step for this stream's key (or its lock): marks it dropped and returns its bytes. */
    private void drop(Stream stream, DropReason reason) {
        synchronized (stream) {
            if (stream.dropped) {
                return;
            }
            stream.dropped = true;
            bytes.addAndGet(-(stream.bytes + STREAM_OVERHEAD));
        }
        events.streamDropped(reason);
    }

    /** Drops every stream whose ttl has passed; the lifecycle calls it periodically. */
    int expire() {
        long now = clock.getAsLong();
        int n = 0;
        for (Stream stream : streams.values()) {
            if (stream.expired(now) && streams.remove(stream.name, stream)) {
                drop(stream, DropReason.EXPIRED);
                n++;
            }
        }
        return n;
    }

    private void evictSoon() {
        if (!evicting.compareAndSet(false, true)) {
            return;
        }
        try {
            evictor.execute(this::evict);
        }
        catch (RejectedExecutionException shuttingDown) {
            evicting.set(false);
        }
    }

    /** Drops the least recently published streams until the bytes held are under 90% of the bound. */
    int evict() {
        try {
            long target = maxBytes - maxBytes / 10;
            if (bytes.get() <= target) {
                return 0;
            }
            List<Stream> oldestFirst = new ArrayList<>(streams.values());
            long[] last = new long[oldestFirst.size()];
            Integer[] order = new Integer[last.length];
            for (int i = 0; i < last.length; i++) {
                last[i] = oldestFirst.get(i).lastPublishMillis;
                order[i] = i;
            }
            java.util.Arrays.sort(order, Comparator.comparingLong(i -> last[i]));
            int n = 0;
            for (Integer i : order) {
                if (bytes.get() <= target) {
                    break;
                }
                Stream stream = oldestFirst.get(i);
                if (streams.remove(stream.name, stream)) {
                    drop(stream, DropReason.MEMORY);
                    n++;
                }
            }
            log.warn("history: {} bytes over the bound of {}; dropped the {} least recently published stream(s)",
                    bytes.get(), maxBytes, n);
            return n;
        }
        finally {
            evicting.set(false);
        }
    }

    /** Bytes the streams hold now (data plus bookkeeping). */
    long bytes() {
        return bytes.get();
    }

    int streamCount() {
        return streams.size();
    }

    /** One channel's stream; every field is guarded by the stream's own lock. */
    private final class Stream {
        final String name;
        final String epoch;
        final int size;
        final long ttlMillis;
        final ArrayDeque<StreamMessage> kept;
        long offset;
        long bytes;
        long lastPublishMillis;
        boolean dropped;

        Stream(String name, String epoch, int size, long ttlMillis, long now) {
            this.name = name;
            this.epoch = epoch;
            this.size = size;
            this.ttlMillis = ttlMillis;
            this.kept = new ArrayDeque<>(Math.min(size, 16));
            this.lastPublishMillis = now;
        }

        StreamPosition append(byte[] data, long now) {
            offset++;
            lastPublishMillis = now;
            if (size > 0) {
                if (kept.size() == size) {
                    charge(-(kept.removeFirst().data().length + MESSAGE_OVERHEAD));
                }
                kept.addLast(new StreamMessage(offset, data));
                charge(data.length + MESSAGE_OVERHEAD);
            }
            return new StreamPosition(offset, epoch);
        }

        private void charge(long delta) {
            bytes += delta;
            MemoryBroker.this.bytes.addAndGet(delta);
        }

        History read(long since, int limit) {
            StreamPosition top = new StreamPosition(offset, epoch);
            if (limit == 0 || since >= offset) {
                return new History(top, List.of(), since >= offset); // a position read, or nothing after since
            }
            List<StreamMessage> after = new ArrayList<>(Math.min(limit, kept.size()));
            boolean complete = true;
            for (StreamMessage message : kept) {
                if (message.offset() <= since) {
                    continue;
                }
                if (after.size() == limit) {
                    complete = false;
                    break;
                }
                after.add(message);
            }
            return new History(top, after, complete);
        }

        boolean expired(long now) {
            return now - lastPublishMillis >= ttlMillis;
        }
    }

    /** For the admin view and tests: the streams and their positions. */
    Map<String, StreamPosition> positions() {
        Map<String, StreamPosition> out = new java.util.TreeMap<>();
        streams.forEach((name, stream) -> {
            synchronized (stream) {
                out.put(name, new StreamPosition(stream.offset, stream.epoch));
            }
        });
        return out;
    }
}
