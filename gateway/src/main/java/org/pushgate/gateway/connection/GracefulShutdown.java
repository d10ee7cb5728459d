package org.pushgate.gateway.connection;

import java.time.Duration;

import org.pushgate.gateway.admission.Admission;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * On shutdown (SIGTERM or context close): refuse new upgrades, close every connection with 1001, and
 * wait at most the grace period for the pipelines to release, before the web server itself stops. It
 * stops in the default phase, which Spring runs before the web server's own graceful-shutdown phase.
 */
public final class GracefulShutdown implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GracefulShutdown.class);
    private static final Duration POLL = Duration.ofMillis(20);

    private final Admission admission;
    private final ConnectionRegistry registry;
    private final Duration grace;
    private final Scheduler scheduler;
    private volatile boolean running;

    public GracefulShutdown(Admission admission, ConnectionRegistry registry, Duration grace, Scheduler scheduler) {
        this.admission = admission;
        this.registry = registry;
        this.grace = grace;
        this.scheduler = scheduler;
    }

    @Override
    public void start() {
        admission.resume(); // a context stopped and started again serves again
        registry.reopen();
        running = true;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public void stop() {
        throw new UnsupportedOperationException("stop(Runnable) is the only way this lifecycle stops");
    }

    @Override
    public void stop(Runnable callback) {
        admission.drain();
        int asked = registry.shutdown();
        log.info("shutdown: refusing new connections, closing {} connection(s) with 1001, grace {}", asked, grace);
        Flux.interval(Duration.ZERO, POLL, scheduler)
                .filter(tick -> registry.size() == 0)
                .next()
                .timeout(grace, scheduler)
                .doFinally(signal -> {
                    int left = registry.size();
                    if (left > 0) {
                        log.warn("shutdown: grace {} ran out with {} connection(s) still open; the server stops them", grace, left);
                    } else {
                        log.info("shutdown: all connections closed");
                    }
                    running = false;
                    callback.run();
                })
                .subscribe(tick -> { }, error -> { }); // owned by this lifecycle; the timeout bounds it
    }
}
