package org.pushgate.gateway.it.security;

import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * A tiny identity provider: serves a JWKS document at {@code http://127.0.0.1:<port>/jwks.json} from a
 * Reactor Netty server on loops of its own (daemon threads), bound to port 0. The document can be replaced
 * (key rotation); requests are counted.
 */
final class JwksServer implements AutoCloseable {

    private final LoopResources loops = LoopResources.create("jwks", 1, true);
    private final AtomicReference<String> document = new AtomicReference<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final DisposableServer server;

    private JwksServer(Map<String, KeyPair> keys) {
        publish(keys);
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .runOn(loops)
                .route(routes -> routes.get("/jwks.json", (request, response) -> {
                    requests.incrementAndGet();
                    return response.header("Content-Type", "application/json")
                            .sendString(Mono.fromSupplier(document::get));
                }))
                .bindNow(Duration.ofSeconds(10));
    }

    /** @param keys RSA key pairs by key id; only their public halves are served */
    static JwksServer start(Map<String, KeyPair> keys) {
        return new JwksServer(keys);
    }

    /** Serves these keys from now on (a rotation). */
    void publish(Map<String, KeyPair> keys) {
        document.set(Tokens.jwks(keys));
    }

    String uri() {
        return "http://127.0.0.1:" + server.port() + "/jwks.json";
    }

    int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
        loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
    }
}
