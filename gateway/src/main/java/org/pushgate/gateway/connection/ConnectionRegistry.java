package org.pushgate.gateway.connection;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live connections of this node, by id, and the count of their running per-connection timers. An
 * entry is added by the pipeline that opens a connection and removed by the same pipeline's termination.
 */
public final class ConnectionRegistry {

    private final ConcurrentHashMap<Long, Connection> connections = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger timers = new AtomicInteger();

    long nextId() {
        return ids.incrementAndGet();
    }

    void add(Connection connection) {
        connections.put(connection.id(), connection);
    }

    /** Drops an entry whose connection is already released (only the auditor finds such). */
    public boolean removeReleased(Connection connection) {
        return connection.isReleased() && connections.remove(connection.id(), connection);
    }

    void remove(Connection connection) {
        connections.remove(connection.id(), connection);
    }

    AtomicInteger timerCounter() {
        return timers;
    }

    public int size() {
        return connections.size();
    }

    /** Per-connection timers (heartbeat, liveness) currently scheduled; zero when no connection is open. */
    public int activeTimers() {
        return timers.get();
    }

    public Connection get(long id) {
        return connections.get(id);
    }

    public List<Connection> snapshot() {
        return new ArrayList<>(connections.values());
    }

    /** Asks every open connection to close with this reason; returns how many were asked. */
    public int closeAll(CloseReason reason) {
        int n = 0;
        for (Connection c : connections.values()) {
            if (c.close(reason)) {
                n++;
            }
        }
        return n;
    }
}
