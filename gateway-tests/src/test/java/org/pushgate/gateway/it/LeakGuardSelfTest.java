package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.LeakGuard;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;

/**
 * The guard's own detectors work: a buffer dropped without release() is reported, and so is a BlockHound error
 * that some framework caught and merely logged (both are forgotten again, so the guard passes these tests).
 */
@ExtendWith(LeakGuard.class)
class LeakGuardSelfTest {

    @Test
    void aByteBufDroppedWithoutReleaseIsReported() {
        assertThat(LeakGuard.collectLeaks()).as("nothing leaked before this test").isEmpty();

        leakOneBuffer();

        Eventually.await(Duration.ofSeconds(10), "the leak reported", () -> !LeakGuard.collectLeaks().isEmpty());
        List<String> leaks = LeakGuard.collectLeaks();
        LeakGuard.forgetLeaks(); // leaked on purpose: the guard must not fail this test
        assertThat(leaks).anySatisfy(report -> assertThat(report).contains("LEAK").contains("leakOneBuffer"));
    }

    private static void leakOneBuffer() {
        ByteBuf buffer = ByteBufAllocator.DEFAULT.directBuffer(64);
        buffer.writeLong(42); // touched here, so the report's records name this method
    }

    @Test
    void aBlockingCallThatAFrameworkOnlyLoggedIsReported() {
        Throwable blocking = Mono.delay(Duration.ofMillis(1))
                .doOnNext(tick -> sleepOneMillisecond())
                .then(Mono.<Throwable>empty())
                .onErrorResume(Mono::just)
                .block(Duration.ofSeconds(5));
        assertThat(blocking).isInstanceOf(BlockingOperationError.class);

        LoggerFactory.getLogger("reactor.netty.transport.ServerTransport").error("onUncaughtException(test)", blocking);

        List<String> logged = LeakGuard.blockingCallsLogged();
        LeakGuard.forgetBlockingCalls(); // logged on purpose: the guard must not fail this test
        assertThat(logged).singleElement().asString().contains("Thread.sleep").contains("onUncaughtException(test)");
    }

    private static void sleepOneMillisecond() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
