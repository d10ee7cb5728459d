package org.pushgate.gateway.hub;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.netty.channel.DefaultEventLoop;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stream that hands an offset out twice under one epoch has lost writes (a Redis failover to a replica that
 * lagged): the channel drops the repeat and tells the node's broker, which moves the stream to a new epoch; a
 * position merely announced by a catch-up and then delivered is a harmless repeat and tells nobody.
 */
class LostWritesTest {

    static final Duration VERIFY = Duration.ofSeconds(10);

    final RecordingEvents events = new RecordingEvents();
    final LocalHub hub = new LocalHub(events);
    final DefaultEventLoop loop = new DefaultEventLoop();
    final List<String> lost = new CopyOnWriteArrayList<>();
    final TestOwners.Recording owner = TestOwners.counting(new AtomicInteger());
    final SubscriberBuffer subscriber = new SubscriberBuffer(
            new BufferSettings(64, 1L << 30, OverflowPolicy.DISCONNECT, new OutboundBudget(1L << 40, List::of, Runnable::run), events),
            owner, loop);

    LostWritesTest() {
        hub.attach(new NodeSubscriptions() {
            @Override
            public void opened(String channel) {
            }

            @Override
            public void closed(String channel) {
            }

            @Override
            public void lostWrites(String channel, String epoch) {
                lost.add(channel + "@" + epoch);
            }
        });
        hub.subscribe("c", subscriber);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        assertThat(loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS)).isTrue();
    }

    int deliver(String epoch, long offset) {
        return hub.deliver("c", epoch, offset, ("{\"n\":" + offset + "}").getBytes(UTF_8)).block(VERIFY);
    }

    /** On the loop after everything submitted so far: what the subscriber was told by then. */
    List<String> insufficient() throws Exception {
        loop.submit(() -> { }).get(5, TimeUnit.SECONDS);
        return owner.insufficient;
    }

    @Test
    void anOffsetDeliveredTwiceUnderOneEpochIsReportedAsLostWritesAndDropped() throws Exception {
        for (long n = 1; n <= 4; n++) {
            assertThat(deliver("e1", n)).isEqualTo(1);
        }
        // The new master stood at 2: its next publishes reuse 3 and 4.
        assertThat(deliver("e1", 3)).isZero();
        assertThat(deliver("e1", 4)).isZero();
        assertThat(lost).containsExactly("c@e1", "c@e1");
        assertThat(insufficient()).isEmpty(); // told only once the broker has moved the stream to a new epoch

        hub.catchUp("c", "e2", 4); // the broker's answer: the stream is now at e2
        assertThat(insufficient()).containsExactly("c");
        assertThat(deliver("e2", 5)).isEqualTo(1);
        assertThat(lost).hasSize(2);
    }

    @Test
    void aPositionAnnouncedByACatchUpAndThenDeliveredIsNoLoss() throws Exception {
        assertThat(deliver("e1", 1)).isEqualTo(1);
        hub.catchUp("c", "e1", 3); // read after a reconnect, before messages 2 and 3 arrived on pub/sub
        assertThat(insufficient()).containsExactly("c");
        assertThat(deliver("e1", 2)).isZero();
        assertThat(deliver("e1", 3)).isZero();
        assertThat(deliver("e1", 4)).isEqualTo(1);
        assertThat(lost).isEmpty();
    }

    @Test
    void aNewEpochIsNoLossEvenAtLowerOffsets() throws Exception {
        assertThat(deliver("e1", 5)).isEqualTo(1);
        assertThat(deliver("e2", 1)).isZero(); // a new stream: told, not reported
        assertThat(insufficient()).containsExactly("c");
        assertThat(deliver("e2", 2)).isEqualTo(1);
        assertThat(lost).isEmpty();
    }
}
