package org.pushgate.gateway.it.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every test client still open in this JVM. {@link LeakGuard} resets them after a test that failed to
 * return the gateway to zero, so that one failing test does not make the next ones fail too.
 */
final class Tracked {

    private static final Set<Object> OPEN = ConcurrentHashMap.newKeySet();

    private Tracked() {
    }

    static void add(Object client) {
        OPEN.add(client);
    }

    static void remove(Object client) {
        OPEN.remove(client);
    }

    static int size() {
        return OPEN.size();
    }

    /** Resets every client still open; returns how many there were. */
    static int resetAll() {
        List<Object> clients = new ArrayList<>(OPEN);
        for (Object client : clients) {
            if (client instanceof TestClient c) {
                c.abort();
            } else if (client instanceof RawWebSocket s) {
                s.abort();
            } else if (client instanceof SseClient sse) {
                sse.abort();
            }
            OPEN.remove(client);
        }
        return clients.size();
    }
}
