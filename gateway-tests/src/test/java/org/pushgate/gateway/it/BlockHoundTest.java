package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pushgate.gateway.it.support.LeakGuard;

import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.LoopResources;
import reactor.test.StepVerifier;

/** BlockHound is installed in this module's test JVM: a blocking call on a non-blocking thread fails. */
@ExtendWith(LeakGuard.class)
class BlockHoundTest {

    private static void sleep() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aBlockingCallInsideMonoDelayFailsWithBlockingOperationError() {
        Mono<Long> blocking = Mono.delay(Duration.ofMillis(1)).doOnNext(tick -> sleep());

        StepVerifier.create(blocking)
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(BlockingOperationError.class)
                        .hasMessageContaining("Thread.sleep"))
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void aBlockingCallOnTheParallelSchedulerFails() {
        Mono<Object> blocking = Mono.fromRunnable(BlockHoundTest::sleep).subscribeOn(Schedulers.parallel());

        StepVerifier.create(blocking)
                .expectError(BlockingOperationError.class)
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void aBlockingCallOnANettyEventLoopFails() throws Exception {
        LoopResources loops = LoopResources.create("blockhound-probe", 1, true);
        try {
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            loops.onServer(true).next().execute(() -> {
                try {
                    sleep();
                    outcome.complete(null);
                } catch (Throwable error) {
                    outcome.complete(error);
                }
            });
            assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(BlockingOperationError.class);
        } finally {
            loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
        }
    }

    /**
     * Cancelling Flux.interval timers from an event loop while their scheduler is busy must not trip
     * BlockHound (see the gateway module's LibraryLocksBlockHoundIntegration, shared through its test-jar): the
     * gateway does this for every closed connection.
     */
    @Test
    void cancellingPeriodicTimersFromAnEventLoopUnderContentionIsAllowed() throws Exception {
        LoopResources loops = LoopResources.create("timer-cancel-probe", 2, true);
        reactor.core.Disposable busy = reactor.core.publisher.Flux.interval(Duration.ofMillis(1), Schedulers.parallel()).subscribe();
        try {
            java.util.List<CompletableFuture<Throwable>> outcomes = new java.util.ArrayList<>();
            for (int loop = 0; loop < 2; loop++) {
                CompletableFuture<Throwable> outcome = new CompletableFuture<>();
                outcomes.add(outcome);
                loops.onServer(true).next().execute(() -> {
                    try {
                        for (int i = 0; i < 5_000; i++) {
                            reactor.core.publisher.Flux.interval(Duration.ofSeconds(25), Schedulers.parallel()).subscribe().dispose();
                        }
                        outcome.complete(null);
                    } catch (Throwable error) {
                        outcome.complete(error);
                    }
                });
            }
            for (CompletableFuture<Throwable> outcome : outcomes) {
                assertThat(outcome.get(30, TimeUnit.SECONDS)).isNull();
            }
        } finally {
            busy.dispose();
            loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
        }
    }

    @Test
    void theSameCallOnATestThreadIsAllowed() {
        sleep(); // a plain thread may block: BlockHound guards the non-blocking ones only
    }
}
