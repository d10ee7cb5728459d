package org.pushgate.gateway.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.broker.TestBrokers;
import org.pushgate.gateway.hub.HubEvents;
import org.pushgate.gateway.hub.LocalHub;
import org.pushgate.gateway.protocol.ChannelNames;

import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The shared publish path's own bounds, whichever dialect asks. */
class PublisherTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final Publisher publisher = new Publisher(TestBrokers.memory(new LocalHub(HubEvents.NONE), Schedulers.immediate()),
            new ChannelNames(16), 1024, 3, 10);

    @Test
    void aHistoryReadNeverReturnsMoreThanTheMaximumAndANegativeLimitReadsThePositionOnly() {
        StepVerifier.create(Flux.range(1, 12).concatMap(i -> publisher.publish("c", ("" + i).getBytes(StandardCharsets.UTF_8))))
                .expectNextCount(12)
                .expectComplete()
                .verify(WAIT);

        StepVerifier.create(publisher.history("c", 0, 1_000_000))
                .assertNext(history -> assertThat(history.messages()).hasSize(10))
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(publisher.history("c", 0, -5))
                .assertNext(history -> {
                    assertThat(history.messages()).isEmpty();
                    assertThat(history.top().offset()).isEqualTo(12);
                })
                .expectComplete()
                .verify(WAIT);
    }
}
