package org.pushgate.gateway.it.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.pushgate.gateway.GatewayApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A gateway with a context of its own, for tests that stop it (shutdown). {@link LeakGuard} watches its
 * gauges after the test like those of a shared gateway; closing it twice is harmless.
 */
public final class RunningGateway implements AutoCloseable {

    private final ConfigurableApplicationContext context;
    private final GatewayProbe probe;

    private RunningGateway(ConfigurableApplicationContext context) {
        this.context = context;
        this.probe = GatewayProbe.of(context);
        LeakGuard.watch(probe);
    }

    /**
     * @param properties {@code key=value}; they override application.yml (passed as command-line args). Without a
     *                   {@code server.port} the gateway takes a free port; with one (a restart on the port a client
     *                   reconnects to) that port.
     */
    public static RunningGateway start(String... properties) {
        List<String> args = new ArrayList<>();
        if (java.util.Arrays.stream(properties).noneMatch(property -> property.startsWith("server.port="))) {
            args.add("--server.port=0"); // given twice, Spring would read "0,N"
        }
        for (String property : properties) {
            args.add("--" + property);
        }
        ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayApplication.class, IsolatedNettyResources.class)
                .registerShutdownHook(false)
                .run(args.toArray(String[]::new));
        return new RunningGateway(context);
    }

    public GatewayProbe probe() {
        return probe;
    }

    /** Closes the context (graceful shutdown included) and returns how long that took. */
    public Duration stop() {
        long start = System.nanoTime();
        context.close();
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** The context itself, for tests of its lifecycle. */
    public ConfigurableApplicationContext context() {
        return context;
    }

    public boolean running() {
        return context.isActive();
    }

    @Override
    public void close() {
        if (context.isActive()) {
            context.close();
        }
    }
}
