package org.pushgate.gateway.connection;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.pushgate.gateway.hub.SubscriberBuffer;

/**
 * The live connections of this node, by id, and the count of their running per-connection timers. An entry is
 * added when a connection opens and removed by its {@link Connection#terminate}.
 */
public final class ConnectionRegistry {

    private final ConcurrentHashMap<Long, Connection> connections = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger timers = new AtomicInteger();

    long nextId() {
        return ids.incrementAndGet();
    }

    private volatile boolean shuttingDown;

    /**
     * Lists a connection that just opened. If shutdown has already asked every connection to close, this one is
     * asked too: it was admitted before the drain but registered after {@link #shutdown()} went through the
     * list, and would otherwise keep shutdown waiting its whole grace without ever being told 1001. Put first,
     * read the flag second, against {@code shutdown}'s set flag first, iterate second: one of the two always sees
     * the other.
     */
    void add(Connection connection) {
        connections.put(connection.id(), connection);
        if (shuttingDown) {
            connection.close(CloseReason.SHUTDOWN);
        }
    }

    /** Asks every open connection, and every one that opens from now on, to close with 1001. */
    public int shutdown() {
        shuttingDown = true;
        return closeAll(CloseReason.SHUTDOWN);
    }

    /** Connections may open again (a stopped context that is started again). */
    public void reopen() {
        shuttingDown = false;
    }

    /** Every listed connection's buffer, for the process-wide outbound fence. */
    public List<SubscriberBuffer> buffers() {
        List<SubscriberBuffer> buffers = new ArrayList<>(connections.size());
        connections.forEach((id, connection) -> buffers.add(connection.buffer()));
        return buffers;
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

    /**
     * Per-connection timers held: keep-alive lanes in the loops' wheels and auth deadlines; zero when no connection
     * is open.
     */
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
