package org.pushgate.gateway.it.browser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.RunningGateway;

/**
 * A gateway a browser test may stop and start again on the same port (the port its page reconnects to), through
 * a {@link ControlServer} ({@code POST /stop}, {@code POST /start}) that the Node script calls between its steps.
 * Each start is a new {@link RunningGateway} with the same properties.
 */
final class RestartableGateway implements AutoCloseable {

    private final List<String> properties;
    private final int port;
    private final ControlServer control;
    private RunningGateway current;

    private RestartableGateway(List<String> properties) {
        RunningGateway started = null;
        int chosen = 0;
        List<String> withPort = null;
        for (int attempt = 0; started == null; attempt++) {
            chosen = freePort();
            withPort = new ArrayList<>(properties);
            withPort.add("server.port=" + chosen);
            try {
                started = RunningGateway.start(withPort.toArray(String[]::new));
            }
            catch (RuntimeException taken) {
                if (attempt == 4 || !portInUse(taken)) {
                    throw taken;
                }
            }
        }
        this.port = chosen;
        this.properties = withPort;
        this.current = started;
        this.control = new ControlServer(Map.of("stop", this::stop, "start", this::start));
    }

    static RestartableGateway start(String... properties) {
        return new RestartableGateway(List.of(properties));
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    String controlUrl() {
        return control.url();
    }

    synchronized GatewayProbe probe() {
        return current.probe();
    }

    private synchronized void stop() {
        current.stop();
    }

    private synchronized void start() {
        if (current.running()) {
            throw new IllegalStateException("the gateway is running");
        }
        current = RunningGateway.start(properties.toArray(String[]::new));
    }

    /**
     * A port that is free now, below the ephemeral range (32768-60999 here): a port of that range may become the
     * local port of any process's outgoing connection while the gateway starts or is stopped (several builds run
     * on this machine), and the gateway could then not bind it.
     */
    private static int freePort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int candidate = ThreadLocalRandom.current().nextInt(20000, 32000);
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(candidate));
                return candidate;
            }
            catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port in 20000..32000");
    }

    private static boolean portInUse(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof org.springframework.boot.web.server.PortInUseException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void close() {
        control.close();
        current.close();
    }
}
