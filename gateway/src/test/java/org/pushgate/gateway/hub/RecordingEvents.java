package org.pushgate.gateway.hub;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.pushgate.gateway.connection.CloseReason;
import org.pushgate.gateway.connection.ConnectionEvents;

/** Counts what the hub and connections report, for assertions. */
public final class RecordingEvents implements HubEvents, ConnectionEvents {

    public final Map<DropReason, AtomicLong> drops = new ConcurrentHashMap<>();
    public final Map<CloseReason, AtomicLong> disconnects = new ConcurrentHashMap<>();
    public final AtomicLong published = new AtomicLong();
    public final AtomicLong delivered = new AtomicLong();

    @Override
    public void published(String channel, int subscribersReached) {
        published.incrementAndGet();
    }

    @Override
    public void dropped(DropReason reason) {
        drops.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
    }

    @Override
    public void bufferDepth(int depth) {
    }

    @Override
    public void disconnected(CloseReason reason) {
        disconnects.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
    }

    @Override
    public void delivered() {
        delivered.incrementAndGet();
    }

    public long drops(DropReason reason) {
        AtomicLong n = drops.get(reason);
        return n == null ? 0 : n.get();
    }

    public long disconnects(CloseReason reason) {
        AtomicLong n = disconnects.get(reason);
        return n == null ? 0 : n.get();
    }

    public long totalDisconnects() {
        return disconnects.values().stream().mapToLong(AtomicLong::get).sum();
    }
}
