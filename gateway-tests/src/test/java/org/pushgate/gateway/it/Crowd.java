package org.pushgate.gateway.it;

import java.time.Duration;
import java.util.List;
import java.util.function.IntFunction;

import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.TestClient;

import reactor.core.publisher.Flux;

/** Many well-behaved clients at once, connected with bounded concurrency. */
final class Crowd {

    private static final int CONCURRENCY = 100;

    private Crowd() {
    }

    /** Connects {@code n} clients, each subscribed through its query, and waits until the gateway holds them all. */
    static List<TestClient> connect(GatewayProbe gateway, int n, IntFunction<String> query) {
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        long start = System.nanoTime();
        List<TestClient> clients = Flux.range(0, n)
                .flatMap(i -> TestClient.open(gateway.ws(query.apply(i)))
                        .flatMap(client -> client.next(f -> Json.isOp(f, "subscribed")).thenReturn(client)).doOnNext(c -> { if (done.incrementAndGet() % 100 == 0) System.out.println("  " + done.get() + " at " + (System.nanoTime() - start) / 1000000); }), CONCURRENCY)
                .collectList()
                .block(Duration.ofSeconds(60));
        if (clients == null || clients.size() != n) {
            throw new AssertionError("connected " + (clients == null ? 0 : clients.size()) + " of " + n);
        }
        gateway.awaitConnections(n, Duration.ofSeconds(10));
        System.out.println(n + " clients connected and subscribed in " + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
        return clients;
    }

    static void awaitAllClosed(List<TestClient> clients, Duration within) {
        Eventually.await(within, () -> clients.stream().filter(TestClient::isOpen).count() + " client(s) still open",
                () -> clients.stream().allMatch(c -> c.closedAtNanos() != 0));
    }
}
