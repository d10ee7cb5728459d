package org.pushgate.gateway.publish.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.broker.StreamMessage;
import org.pushgate.gateway.broker.TestBrokers;
import org.pushgate.gateway.hub.HubEvents;
import org.pushgate.gateway.hub.LocalHub;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.publish.Publisher;

import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** Centrifugo's history semantics (limit, since, reverse) over the memory broker's forward reads. */
class HistoryQueryTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final int MAX = 5; // gateway.history.max-recovered of this publisher

    @Test
    void limitZeroReadsThePositionOnly() {
        Publisher publisher = publisherWith(100, 10);

        HistoryQuery.Page page = read(publisher, new HistoryQuery("h", 0, null, false));

        assertThat(page.publications()).isEmpty();
        assertThat(page.top().offset()).isEqualTo(10);
    }

    @Test
    void withoutSinceTheOldestComeFirstOrWithReverseTheNewest() {
        Publisher publisher = publisherWith(100, 10);

        assertThat(offsets(read(publisher, new HistoryQuery("h", 3, null, false)))).containsExactly(1L, 2L, 3L);
        assertThat(offsets(read(publisher, new HistoryQuery("h", 3, null, true)))).containsExactly(10L, 9L, 8L);
        assertThat(offsets(read(publisher, new HistoryQuery("h", MAX, null, true)))).containsExactly(10L, 9L, 8L, 7L, 6L);
    }

    @Test
    void sinceReadsAfterItsOffsetOrWithReverseBeforeIt() {
        Publisher publisher = publisherWith(100, 10);
        String epoch = read(publisher, new HistoryQuery("h", 0, null, false)).top().epoch();

        assertThat(offsets(read(publisher, new HistoryQuery("h", 3, new HistoryQuery.Since(4, epoch), false))))
                .containsExactly(5L, 6L, 7L);
        assertThat(offsets(read(publisher, new HistoryQuery("h", 2, new HistoryQuery.Since(4, epoch), true))))
                .containsExactly(3L, 2L);
        assertThat(offsets(read(publisher, new HistoryQuery("h", MAX, new HistoryQuery.Since(4, ""), true))))
                .containsExactly(3L, 2L, 1L);
        assertThat(offsets(read(publisher, new HistoryQuery("h", 3, new HistoryQuery.Since(10, epoch), false)))).isEmpty();
        assertThat(offsets(read(publisher, new HistoryQuery("h", 3, new HistoryQuery.Since(1, epoch), true)))).isEmpty();
    }

    @Test
    void aTrimmedHistoryGivesWhatItStillHolds() {
        Publisher publisher = publisherWith(5, 10); // keeps 6..10

        assertThat(offsets(read(publisher, new HistoryQuery("h", 2, null, false)))).containsExactly(6L, 7L);
        assertThat(offsets(read(publisher, new HistoryQuery("h", 3, null, true)))).containsExactly(10L, 9L, 8L);
        assertThat(offsets(read(publisher, new HistoryQuery("h", MAX, new HistoryQuery.Since(8, ""), true))))
                .containsExactly(7L, 6L);
    }

    @Test
    void anotherEpochIsAnUnrecoverablePosition() {
        Publisher publisher = publisherWith(100, 3);

        StepVerifier.create(new HistoryQuery("h", 3, new HistoryQuery.Since(1, "not-the-epoch"), false).read(publisher))
                .expectErrorSatisfies(e -> assertThat(((ServerApiError) e).code()).isEqualTo(ServerApiError.UNRECOVERABLE_POSITION))
                .verify(WAIT);
        StepVerifier.create(new HistoryQuery("h", 0, new HistoryQuery.Since(1, "not-the-epoch"), false).read(publisher))
                .expectErrorSatisfies(e -> assertThat(((ServerApiError) e).code()).isEqualTo(ServerApiError.UNRECOVERABLE_POSITION))
                .verify(WAIT);
    }

    @Test
    void reverseFromOffsetZeroIsABadRequest() {
        assertThatThrownBy(() -> new HistoryQuery("h", 3, new HistoryQuery.Since(0, ""), true))
                .isInstanceOfSatisfying(ServerApiError.class, e -> assertThat(e.code()).isEqualTo(ServerApiError.BAD_REQUEST));
    }

    private static Publisher publisherWith(int historySize, int published) {
        Broker broker = TestBrokers.memory(new LocalHub(HubEvents.NONE), Schedulers.immediate(), historySize,
                Duration.ofHours(1), 1L << 20);
        Publisher publisher = new Publisher(broker, new ChannelNames(128), 65536, 10, MAX);
        StepVerifier.create(Flux.range(1, published)
                        .concatMap(i -> publisher.publish("h", ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8))))
                .expectNextCount(published)
                .expectComplete()
                .verify(WAIT);
        return publisher;
    }

    private static HistoryQuery.Page read(Publisher publisher, HistoryQuery query) {
        HistoryQuery.Page page = query.read(publisher).block(WAIT); // a test thread, not an event loop
        assertThat(page).isNotNull();
        return page;
    }

    private static List<Long> offsets(HistoryQuery.Page page) {
        for (StreamMessage message : page.publications()) {
            assertThat(new String(message.data(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":" + message.offset() + "}");
        }
        return page.publications().stream().map(StreamMessage::offset).toList();
    }
}
