package org.pushgate.gateway.it.browser;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Lets a Node script ask its JUnit test to act between the script's steps (stop or start a gateway, restart Redis):
 * {@code POST /<action>} on loopback runs the action and answers 200 once it is done (500 with the failure). One
 * action at a time, on one thread the server owns.
 */
final class ControlServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService worker = Executors.newSingleThreadExecutor();

    ControlServer(Map<String, Runnable> actions) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(worker);
        actions.forEach((name, action) -> server.createContext("/" + name, exchange -> answer(exchange, action)));
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, Runnable action) throws IOException {
        int status = 200;
        String body = "done";
        try {
            action.run();
        }
        catch (RuntimeException | AssertionError e) {
            status = 500;
            body = e.toString();
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        worker.shutdownNow();
    }
}
