package org.pushgate.gateway;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** Proves BlockHound is installed in this test JVM: a blocking call on a non-blocking thread fails. */
class BlockHoundIsActiveTest {

    @Test
    void aBlockingCallOnAParallelThreadIsReported() {
        Mono<String> blocking = Mono.fromCallable(() -> {
                    Thread.sleep(1);
                    return "slept";
                })
                .subscribeOn(Schedulers.parallel());
        StepVerifier.create(blocking)
                .expectErrorMatches(error -> error instanceof BlockingOperationError
                        || error.getCause() instanceof BlockingOperationError)
                .verify(Duration.ofSeconds(5));
    }
}
