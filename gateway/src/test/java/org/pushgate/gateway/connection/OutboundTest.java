package org.pushgate.gateway.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pushgate.gateway.auth.ClientAuth;
import org.pushgate.gateway.hub.OverflowPolicy;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.protocol.CommandDecoder;
import org.pushgate.gateway.protocol.OutboundFrame;
import org.pushgate.gateway.protocol.PushgateProtocol;
import org.pushgate.gateway.protocol.ServerFrames;

import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The connection's outbound merge on its own: demand of one frame per source, the order of keep-alive frames and
 * messages, and that every way it ends (the close signal, a source's error, the writer's cancel) cancels every source
 * and the close subscription once, and drops what a lane held.
 */
class OutboundTest {

    private static final OutboundFrame M1 = ServerFrames.message("c", 1, "1".getBytes());
    private static final OutboundFrame M2 = ServerFrames.message("c", 2, "2".getBytes());
    private static final OutboundFrame M3 = ServerFrames.message("c", 3, "3".getBytes());

    private VirtualTimeScheduler clock;
    private TestNode node;
    private Connection connection;
    private final TestPublisher<OutboundFrame> messages = TestPublisher.create();
    private final TestPublisher<OutboundFrame> keepAlive = TestPublisher.create();
    private final TestPublisher<OutboundFrame> deadlines = TestPublisher.create();

    @BeforeEach
    void setUp() {
        clock = VirtualTimeScheduler.create();
        node = new TestNode(clock);
        ConnectionSettings settings = TestNode.settings(Duration.ofSeconds(25), Duration.ofSeconds(25),
                Duration.ofSeconds(10), 3);
        NodeResources resources = new NodeResources(node.hub, node.broker, node.registry, settings,
                node.buffers(16, OverflowPolicy.DISCONNECT), ClientAuth.none(), node.events);
        connection = Connection.open(new FakeSocket(), node.admit(), clock.now(java.util.concurrent.TimeUnit.NANOSECONDS),
                resources, new PushgateProtocol(new CommandDecoder(new ChannelNames(64), 4096, 8192)),
                new KeepAliveWheel.Loops(clock, settings, new AtomicInteger()));
    }

    private Outbound outbound(boolean withDeadlines) {
        return new Outbound(connection, messages, keepAlive, withDeadlines ? deadlines : null, node.events,
                () -> clock.now(java.util.concurrent.TimeUnit.NANOSECONDS));
    }

    @Test
    void eachSourceIsAskedForOneFrameAtATimeAndTheWriterGetsWhatItAsksFor() {
        Outbound outbound = outbound(false);
        StepVerifier.create(outbound, 0)
                .then(() -> {
                    messages.assertMinRequested(1).assertMaxRequested(1);
                    keepAlive.assertMinRequested(1).assertMaxRequested(1);
                    messages.next(M1); // held: the writer asked for nothing yet
                    assertThat(outbound.held()).isEqualTo(1);
                    messages.assertMaxRequested(0);
                })
                .thenRequest(1)
                .expectNext(M1)
                .then(() -> {
                    messages.assertMaxRequested(1); // the next one is asked for once the first is taken
                    messages.next(M2);
                })
                .expectNoEvent(Duration.ZERO)
                .thenRequest(2)
                .expectNext(M2)
                .then(() -> messages.next(M3))
                .expectNext(M3)
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        assertThat(node.events.delivered.get()).isEqualTo(3);
    }

    @Test
    void aWaitingKeepAliveFrameGoesBeforeTheNextMessageAndAPingStartsTheLivenessTimeout() {
        Outbound outbound = outbound(false);
        clock.advanceTimeBy(Duration.ofSeconds(7));
        StepVerifier.create(outbound, 0)
                .then(() -> {
                    messages.next(M1);
                    keepAlive.next(ServerFrames.HEARTBEAT_PING);
                })
                .thenRequest(1)
                .expectNext(ServerFrames.HEARTBEAT_PING)
                .thenRequest(1)
                .expectNext(M1)
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        assertThat(connection.pingSentNanos()).isEqualTo(Duration.ofSeconds(7).toNanos());
        assertThat(node.events.delivered.get()).isEqualTo(1); // the ping is not a delivery
    }

    @Test
    void theCloseSignalCompletesTheWriterAndCancelsEverySourceDroppingWhatWasHeld() {
        Outbound outbound = outbound(true);
        StepVerifier.create(outbound, 0)
                .then(() -> {
                    messages.next(M1);
                    keepAlive.next(ServerFrames.PING);
                    assertThat(outbound.held()).isEqualTo(2);
                    connection.close(CloseReason.SHUTDOWN);
                })
                .verifyComplete();
        messages.assertCancelled();
        keepAlive.assertCancelled();
        deadlines.assertCancelled();
        assertThat(outbound.held()).isZero();
        assertThat(outbound.released()).isTrue();
        assertThat(node.events.delivered.get()).isZero();
    }

    @Test
    void aConnectionClosedBeforeTheWriterSubscribedNeverSubscribesItsSources() {
        connection.close(CloseReason.SHUTDOWN);
        Outbound outbound = outbound(true);
        StepVerifier.create(outbound).verifyComplete();
        messages.assertWasNotSubscribed();
        keepAlive.assertWasNotSubscribed();
        deadlines.assertWasNotSubscribed();
        assertThat(outbound.released()).isTrue();
    }

    @Test
    void aSourceErrorFailsTheWriterAndCancelsTheOthersAndTheCloseSubscription() {
        Outbound outbound = outbound(true);
        IllegalStateException boom = new IllegalStateException("boom");
        StepVerifier.create(outbound)
                .then(() -> keepAlive.error(boom))
                .expectErrorSatisfies(error -> assertThat(error).isSameAs(boom))
                .verify(Duration.ofSeconds(5));
        messages.assertCancelled();
        deadlines.assertCancelled();
        assertThat(outbound.released()).isTrue();
        // The close signal no longer reaches it: closing now changes nothing for the ended outbound.
        connection.close(CloseReason.SHUTDOWN);
    }

    @Test
    void theWritersCancelCancelsEverySourceAndTheCloseSubscription() {
        Outbound outbound = outbound(true);
        StepVerifier.create(outbound, 0)
                .then(() -> messages.next(M1))
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        messages.assertCancelled();
        keepAlive.assertCancelled();
        deadlines.assertCancelled();
        assertThat(outbound.held()).isZero();
        assertThat(outbound.released()).isTrue();
    }

    @Test
    void deadlinesSendNothingAndTheOutboundCompletesOnlyWhenEverySourceDid() {
        Outbound outbound = outbound(true);
        StepVerifier.create(outbound)
                .then(() -> {
                    deadlines.next(ServerFrames.PING); // a deadline's value is not a frame to send
                    deadlines.complete();
                    messages.complete();
                })
                .expectNoEvent(Duration.ZERO)
                .then(keepAlive::complete)
                .verifyComplete();
        assertThat(outbound.released()).isTrue();
    }

    @Test
    void aSecondSubscriberIsRefused() {
        Outbound outbound = outbound(false);
        StepVerifier.create(outbound).thenCancel().verify(Duration.ofSeconds(5));
        StepVerifier.create(outbound).expectError(IllegalStateException.class).verify(Duration.ofSeconds(5));
    }
}
