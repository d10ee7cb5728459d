package org.pushgate.gateway.connection;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pushgate.gateway.hub.HubEvents;
import org.pushgate.gateway.hub.LocalHub;
import org.pushgate.gateway.hub.OutboundBudget;
import org.pushgate.gateway.hub.OverflowPolicy;
import org.pushgate.gateway.hub.RecordingEvents;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.protocol.CommandDecoder;
import org.pushgate.gateway.protocol.OutboundFrame.Kind;

import reactor.core.Disposable;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connection pipeline, element by element, on virtual time: heartbeat, liveness, hub messages, and
 * that every way a connection ends releases everything it acquired.
 */
class ConnectionPipelineTest {

    static final Duration HEARTBEAT = Duration.ofSeconds(25);
    static final Duration LIVENESS = Duration.ofSeconds(25);
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final Duration NEVER = Duration.ofDays(365);
    static final Duration VERIFY = Duration.ofSeconds(5);

    TestNode node;
    RecordingEvents events;
    LocalHub hub;
    ConnectionRegistry registry;
    VirtualTimeScheduler clock;

    @BeforeEach
    void setUp() {
        clock = VirtualTimeScheduler.create();
        node = new TestNode(clock);
        events = node.events;
        hub = node.hub;
        registry = node.registry;
    }

    ConnectionPipeline handler(Duration heartbeat, Duration liveness, int buffer, OverflowPolicy policy) {
        return node.pipeline(TestNode.settings(heartbeat, liveness, TIMEOUT, 3), node.buffers(buffer, policy));
    }

    reactor.core.publisher.Mono<Void> serve(ConnectionPipeline handler, FakeSocket socket) {
        return node.serve(handler, socket);
    }

    int publish(String channel, String json) {
        return node.publish(channel, json);
    }

    void assertEverythingReleased(FakeSocket socket) {
        assertThat(registry.size()).as("registry entries").isZero();
        assertThat(registry.activeTimers()).as("per-connection timers").isZero();
        assertThat(hub.subscriptionCount()).as("hub subscriptions").isZero();
        assertThat(hub.channelCount()).as("hub channels").isZero();
        assertThat(node.permitsHeld()).as("admission permits returned").isZero();
        assertThat(events.totalDisconnects()).as("disconnects counted").isEqualTo(1);
        socket.inbound.assertNoSubscribers();
    }

    @Test
    void heartbeatTicksAtItsIntervalAndStopsWhenTheConnectionCloses() {
        FakeSocket socket = new FakeSocket();
        StepVerifier.create(serve(handler(HEARTBEAT, NEVER, 16, OverflowPolicy.DISCONNECT), socket))
                .expectSubscription()
                .then(() -> clock.advanceTimeBy(HEARTBEAT.minusMillis(1)))
                .then(() -> assertThat(socket.count(Kind.HEARTBEAT)).isZero())
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(1)))
                .then(() -> assertThat(socket.count(Kind.HEARTBEAT)).isEqualTo(1))
                .then(() -> clock.advanceTimeBy(HEARTBEAT.multipliedBy(3)))
                .then(() -> assertThat(socket.count(Kind.HEARTBEAT)).isEqualTo(4))
                .then(() -> assertThat(registry.activeTimers()).isEqualTo(2))
                .then(() -> socket.peerCloses(1000))
                .expectComplete()
                .verify(VERIFY);

        clock.advanceTimeBy(HEARTBEAT.multipliedBy(10));
        assertThat(socket.count(Kind.HEARTBEAT)).as("no heartbeat after close").isEqualTo(4);
        assertThat(socket.texts(Kind.HEARTBEAT)).containsOnly("{\"op\":\"heartbeat\"}");
        assertThat(events.disconnects(CloseReason.CLIENT_CLOSE)).isEqualTo(1);
        assertEverythingReleased(socket);
    }

    /** One round, one frame: the heartbeat and the ping leave in one write (and one flush). */
    @Test
    void withEqualIntervalsOneTimerSendsBothTheHeartbeatAndThePing() {
        FakeSocket socket = new FakeSocket();
        StepVerifier.create(serve(handler(HEARTBEAT, HEARTBEAT, 16, OverflowPolicy.DISCONNECT), socket))
                .expectSubscription()
                .then(() -> assertThat(registry.activeTimers()).isEqualTo(1))
                .then(() -> clock.advanceTimeBy(HEARTBEAT))
                .then(() -> assertThat(socket.sent).extracting(f -> f.kind()).containsExactly(Kind.HEARTBEAT_PING))
                .then(() -> socket.inbound.next(ConnectionSocket.InboundFrame.of(ConnectionSocket.InboundFrame.Type.PONG)))
                .then(() -> clock.advanceTimeBy(HEARTBEAT))
                .then(() -> assertThat(socket.count(Kind.HEARTBEAT)).isEqualTo(2))
                .then(() -> assertThat(socket.count(Kind.PING)).isEqualTo(2))
                .then(() -> socket.peerCloses(1000))
                .expectComplete()
                .verify(VERIFY);
        assertEverythingReleased(socket);
    }

    /**
     * A socket that takes nothing: the rounds' heartbeats are dropped, never queued, never an error, and never in the
     * subscriber buffer (they evict no message and do not count as one).
     */
    @Test
    void heartbeatsAreDroppedNotErroredWhileTheSocketCannotTakeThem() {
        FakeSocket socket = new FakeSocket("news");
        socket.stalled = true;
        StepVerifier.create(serve(handler(HEARTBEAT, NEVER, 4, OverflowPolicy.DROP_OLDEST), socket))
                .expectSubscription()
                .then(() -> clock.advanceTimeBy(HEARTBEAT.multipliedBy(100)))
                .then(() -> assertThat(socket.closedWithCode).as("not cut, not errored").isNull())
                .then(() -> assertThat(publish("news", "1")).isEqualTo(1))
                .then(() -> assertThat(publish("news", "2")).isEqualTo(1))
                .then(() -> assertThat(events.drops(HubEvents.DropReason.DROP_OLDEST)).as("no heartbeat in the buffer").isZero())
                .then(() -> socket.sender.request(10))
                .then(() -> assertThat(socket.count(Kind.HEARTBEAT))
                        .as("the one round the outbound had asked for before the stall; the other 99 dropped").isEqualTo(1))
                .then(() -> assertThat(socket.count(Kind.MESSAGE)).isEqualTo(2))
                .then(() -> clock.advanceTimeBy(HEARTBEAT))
                .then(() -> assertThat(socket.count(Kind.HEARTBEAT)).as("rounds resume when the socket takes frames").isEqualTo(2))
                .then(() -> socket.peerCloses(1000))
                .expectComplete()
                .verify(VERIFY);
        assertThat(events.delivered.get()).as("heartbeats are not messages").isEqualTo(2);
        assertThat(events.drops(HubEvents.DropReason.DROP_OLDEST)).isZero();
        assertEverythingReleased(socket);
    }

    @Test
    void livenessProbePingsAndClosesASilentPeerWithItsOwnCode() {
        FakeSocket socket = new FakeSocket("news");
        StepVerifier.create(serve(handler(NEVER, LIVENESS, 16, OverflowPolicy.DISCONNECT), socket))
                .expectSubscription()
                .then(() -> clock.advanceTimeBy(LIVENESS))
                .then(() -> assertThat(socket.count(Kind.PING)).isEqualTo(1))
                .then(() -> clock.advanceTimeBy(TIMEOUT.minusMillis(1)))
                .then(() -> assertThat(socket.closedWithCode).isNull())
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(1)))
                .expectComplete()
                .verify(VERIFY);

        assertThat(socket.closedWithCode).isEqualTo(4000);
        assertThat(events.disconnects(CloseReason.LIVENESS_TIMEOUT)).isEqualTo(1);
        assertEverythingReleased(socket);
    }

    /**
     * A one-way stream (SSE) has no pong: with equal intervals or not, it gets heartbeats and no pings, and silence
     * never cuts it.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {25, 10})
    void aSocketThatCannotAnswerPingsGetsHeartbeatsButNoPingsAndIsNeverCutForSilence(int livenessSeconds) {
        FakeSocket socket = new FakeSocket("news");
        socket.answersPings = false;
        StepVerifier.create(serve(handler(HEARTBEAT, Duration.ofSeconds(livenessSeconds), 16, OverflowPolicy.DISCONNECT), socket))
                .expectSubscription()
                .then(() -> assertThat(registry.activeTimers()).as("the heartbeat alone").isEqualTo(1))
                .then(() -> clock.advanceTimeBy(HEARTBEAT.multipliedBy(10)))
                .then(() -> assertThat(socket.count(Kind.HEARTBEAT)).isEqualTo(10))
                .then(() -> assertThat(socket.count(Kind.PING)).isZero())
                .then(() -> assertThat(socket.closedWithCode).as("not cut for silence").isNull())
                .then(() -> assertThat(registry.size()).isEqualTo(1))
                .then(() -> socket.peerCloses(1000))
                .expectComplete()
                .verify(VERIFY);
        assertThat(events.disconnects(CloseReason.LIVENESS_TIMEOUT)).isZero();
        assertEverythingReleased(socket);
    }

    /** Without pings the writer's backpressure still cuts a stream that does not read. */
    @Test
    void aSocketThatCannotAnswerPingsIsStillCutAsASlowConsumer() {
        FakeSocket socket = new FakeSocket("news");
        socket.answersPings = false;
        socket.stalled = true;
        StepVerifier.create(serve(handler(HEARTBEAT, LIVENESS, 4, OverflowPolicy.DISCONNECT), socket))
                .expectSubscription()
                .then(() -> {
                    for (int i = 0; i < 10; i++) {
                        publish("news", Integer.toString(i));
                    }
                })
                .expectComplete()
                .verify(VERIFY);
        assertThat(socket.closedWithCode).isEqualTo(4001);
        assertThat(events.disconnects(CloseReason.SLOW_CONSUMER)).isEqualTo(1);
        assertEverythingReleased(socket);
    }

    /**
     * The liveness timeout runs from when the socket's writer took the ping, not from the tick: a ping that
     * waited 3 s behind a busy writer leaves the peer its full timeout. (Found under load: healthy subscribers of
     * an overloaded gateway were cut with 4000 while their pings still waited in the gateway.)
     */
    @Test
    void theLivenessTimeoutRunsFromWhenTheWriterTookThePing() {
        FakeSocket socket = new FakeSocket();
        socket.stalled = true;
        StepVerifier.create(serve(handler(NEVER, LIVENESS, 16, OverflowPolicy.DISCONNECT), socket))
                .expectSubscription()
                .then(() -> clock.advanceTimeBy(LIVENESS))
                .then(() -> assertThat(socket.count(Kind.PING)).as("not taken yet").isZero())
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(3)))
                .then(() -> socket.sender.request(1))
                .then(() -> assertThat(socket.count(Kind.PING)).isEqualTo(1))
                .then(() -> clock.advanceTimeBy(TIMEOUT.minusSeconds(3)))
                .then(() -> assertThat(socket.closedWithCode).as("timeout counted from the tick").isNull())
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(3).minusMillis(1)))
                .then(() -> assertThat(socket.closedWithCode).isNull())
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(1)))
                .expectComplete()
                .verify(VERIFY);
        assertThat(socket.closedWithCode).isEqualTo(4000);
        assertEverythingReleased(socket);
    }

    /** A ping the writer never takes (the peer does not read) still counts from the tick: a stalled peer is cut. */
    @Test
    void aPingTheWriterNeverTakesCountsFromTheTick() {
        FakeSocket socket = new FakeSocket();
        socket.stalled = true;
        StepVerifier.create(serve(handler(NEVER, LIVENESS, 16, OverflowPolicy.DISCONNECT), socket))
                .expectSubscription()
                .then(() -> clock.advanceTimeBy(LIVENESS.plus(TIMEOUT).minusMillis(1)))
                .then(() -> assertThat(socket.closedWithCode).isNull())
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(1)))
                .expectComplete()
                .verify(VERIFY);
        assertThat(socket.count(Kind.PING)).isZero();
        assertThat(socket.closedWithCode).isEqualTo(4000);
        assertEverythingReleased(socket);
    }

    @Test
    void anyInboundFrameAfterAPingKeepsTheConnectionAlive() {
        FakeSocket socket = new FakeSocket();
        StepVerifier.create(serve(handler(NEVER, LIVENESS, 16, OverflowPolicy.DISCONNECT), socket))
                .expectSubscription()
                .then(() -> clock.advanceTimeBy(LIVENESS))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(1)))
                .then(() -> socket.inbound.next(ConnectionSocket.InboundFrame.of(ConnectionSocket.InboundFrame.Type.PONG)))
                .then(() -> clock.advanceTimeBy(TIMEOUT))
                .then(() -> assertThat(socket.closedWithCode).isNull())
                .then(() -> clock.advanceTimeBy(LIVENESS.minus(TIMEOUT).minusSeconds(1)))
                .then(() -> assertThat(socket.count(Kind.PING)).isEqualTo(2))
                .then(() -> socket.text("{\"op\":\"subscribe\",\"channel\":\"a\"}"))
                .then(() -> clock.advanceTimeBy(TIMEOUT))
                .then(() -> assertThat(socket.closedWithCode).isNull())
                .then(() -> socket.peerCloses(1000))
                .expectComplete()
                .verify(VERIFY);
        assertEverythingReleased(socket);
    }

    @Test
    void hubMessagesFlowWhileSubscribedAndStopAtClose() {
        FakeSocket socket = new FakeSocket();
        StepVerifier.create(serve(handler(NEVER, NEVER, 16, OverflowPolicy.DISCONNECT), socket))
                .expectSubscription()
                .then(() -> socket.text("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":1}"))
                .then(() -> assertThat(publish("news", "{\"n\":1}")).isEqualTo(1))
                .then(() -> assertThat(publish("news", "[2]")).isEqualTo(1))
                .then(() -> socket.text("{\"op\":\"unsubscribe\",\"channel\":\"news\",\"id\":2}"))
                .then(() -> assertThat(publish("news", "3")).isZero())
                .then(() -> socket.text("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":3}"))
                .then(() -> socket.dies())
                .expectComplete()
                .verify(VERIFY);

        assertThat(publish("news", "4")).as("nobody holds the channel after close").isZero();
        assertThat(socket.texts(Kind.MESSAGE)).containsExactly(
                "{\"op\":\"message\",\"channel\":\"news\",\"offset\":1,\"data\":{\"n\":1}}",
                "{\"op\":\"message\",\"channel\":\"news\",\"offset\":2,\"data\":[2]}");
        String epoch = "\"epoch\":\"" + node.broker.history("news", 0, 0).block(VERIFY).top().epoch() + "\"";
        assertThat(socket.texts(Kind.REPLY)).as("each subscribe answers the stream's position then").containsExactly(
                "{\"op\":\"subscribed\",\"channel\":\"news\",\"id\":1," + epoch + ",\"offset\":0}",
                "{\"op\":\"unsubscribed\",\"channel\":\"news\",\"id\":2}",
                "{\"op\":\"subscribed\",\"channel\":\"news\",\"id\":3," + epoch + ",\"offset\":3}");
        assertThat(events.delivered.get()).isEqualTo(2);
        assertThat(events.disconnects(CloseReason.RESET)).isEqualTo(1);
        assertEverythingReleased(socket);
    }

    @Test
    void recoverableMistakesAreAnsweredAndTheConnectionStaysOpen() {
        FakeSocket socket = new FakeSocket("ok", "bad name");
        StepVerifier.create(serve(handler(NEVER, NEVER, 16, OverflowPolicy.DISCONNECT), socket))
                .expectSubscription()
                .then(() -> socket.text("not json"))
                .then(() -> socket.text("{\"op\":\"dance\",\"id\":\"x\"}"))
                .then(() -> socket.text("{\"op\":\"subscribe\",\"channel\":\"ok\",\"id\":5}"))
                .then(() -> socket.text("{\"op\":\"unsubscribe\",\"channel\":\"never\",\"id\":6}"))
                .then(() -> socket.inbound.next(ConnectionSocket.InboundFrame.of(ConnectionSocket.InboundFrame.Type.BINARY)))
                .then(() -> assertThat(socket.closedWithCode).isNull())
                .then(() -> socket.peerCloses(1000))
                .expectComplete()
                .verify(VERIFY);

        assertThat(socket.texts(Kind.REPLY)).satisfiesExactly(
                ok -> assertThat(ok).startsWith("{\"op\":\"subscribed\",\"channel\":\"ok\",\"epoch\":"),
                bad -> assertThat(bad).contains("\"code\":\"invalid_channel\""),
                json -> assertThat(json).contains("\"code\":\"bad_json\""),
                op -> assertThat(op).contains("\"id\":\"x\"").contains("\"code\":\"unknown_op\""),
                dup -> assertThat(dup).contains("\"id\":5").contains("\"code\":\"already_subscribed\""),
                not -> assertThat(not).contains("\"id\":6").contains("\"code\":\"not_subscribed\""),
                bin -> assertThat(bin).contains("\"code\":\"unsupported_frame\""));
        assertEverythingReleased(socket);
    }

    @Test
    void tooManySubscriptionsClosesWith1008AndReleasesThemAll() {
        FakeSocket socket = new FakeSocket("a", "b", "c");
        StepVerifier.create(serve(handler(NEVER, NEVER, 16, OverflowPolicy.DISCONNECT), socket))
                .expectSubscription()
                .then(() -> assertThat(hub.subscriptionCount()).isEqualTo(3))
                .then(() -> socket.text("{\"op\":\"subscribe\",\"channel\":\"d\"}"))
                .expectComplete()
                .verify(VERIFY);
        assertThat(socket.closedWithCode).isEqualTo(1008);
        assertEverythingReleased(socket);
    }

    @Test
    void slowConsumerIsCutWithItsCodeWhileTheHubStaysBounded() {
        FakeSocket socket = new FakeSocket("news");
        socket.stalled = true;
        StepVerifier.create(serve(handler(NEVER, NEVER, 4, OverflowPolicy.DISCONNECT), socket))
                .expectSubscription()
                .then(() -> {
                    for (int i = 0; i < 10; i++) {
                        publish("news", Integer.toString(i));
                    }
                })
                .expectComplete()
                .verify(VERIFY);
        assertThat(socket.closedWithCode).isEqualTo(4001);
        assertThat(events.drops(HubEvents.DropReason.SLOW_CONSUMER)).isEqualTo(1);
        assertThat(events.disconnects(CloseReason.SLOW_CONSUMER)).isEqualTo(1);
        assertThat(socket.sendCancellations.get()).as("outbound ended by the close signal, not left dangling").isZero();
        assertEverythingReleased(socket);
    }

    @Test
    void aPeerThatNeverTakesTheCloseFrameIsAbortedAfterTheLivenessTimeout() {
        FakeSocket socket = new FakeSocket("news");
        socket.stalled = true;
        socket.closeFrameStuck = true;
        StepVerifier.create(serve(handler(NEVER, NEVER, 4, OverflowPolicy.DISCONNECT), socket))
                .expectSubscription()
                .then(() -> {
                    for (int i = 0; i < 10; i++) {
                        publish("news", Integer.toString(i));
                    }
                })
                .then(() -> assertThat(socket.closedWithCode).isEqualTo(4001))
                .then(() -> clock.advanceTimeBy(TIMEOUT.minusMillis(1)))
                .then(() -> assertThat(socket.aborted).as("still waiting for the close frame to go").isFalse())
                .then(() -> assertThat(registry.size()).isEqualTo(1))
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(1)))
                .expectComplete()
                .verify(VERIFY);
        assertThat(socket.aborted).isTrue();
        assertThat(events.disconnects(CloseReason.SLOW_CONSUMER)).isEqualTo(1);
        assertEverythingReleased(socket);
    }

    /**
     * Issue 9, race 1: the handshake deadline gave the ticket up just before the transport started the pipeline.
     * The pipeline must not serve that socket (its slot is already free again): nothing registered, nothing
     * subscribed, no timer, the socket dropped, and no slot counted twice.
     */
    @Test
    void aPipelineStartedAfterItsHandshakeWasGivenUpServesNothing() {
        FakeSocket socket = new FakeSocket("news");
        org.pushgate.gateway.admission.Admission.Ticket ticket = node.admit();
        assertThat(ticket.giveUp()).isTrue();

        StepVerifier.create(handler(HEARTBEAT, LIVENESS, 8, OverflowPolicy.DISCONNECT).serve(socket, ticket))
                .expectComplete()
                .verify(VERIFY);

        assertThat(socket.aborted).as("the socket is dropped").isTrue();
        assertThat(registry.size()).isZero();
        assertThat(hub.subscriptionCount()).isZero();
        assertThat(registry.activeTimers()).isZero();
        assertThat(node.permitsHeld()).isZero();
        assertThat(events.totalDisconnects()).as("no connection ever existed").isZero();
    }

    /** The other order: the pipeline took the ticket first, so a late give-up leaves the slot with the connection. */
    @Test
    void aGiveUpAfterThePipelineStartedLeavesTheSlotWithTheConnection() {
        FakeSocket socket = new FakeSocket("news");
        org.pushgate.gateway.admission.Admission.Ticket ticket = node.admit();
        Disposable served = handler(HEARTBEAT, LIVENESS, 8, OverflowPolicy.DISCONNECT).serve(socket, ticket).subscribe();

        assertThat(ticket.giveUp()).isFalse();
        assertThat(node.permitsHeld()).as("the running connection holds its slot").isEqualTo(1);
        socket.peerCloses(1000);
        assertThat(served.isDisposed()).isTrue();
        assertEverythingReleased(socket);
    }

    /**
     * Issue 9, race 2: a connection admitted before the drain but registered after shutdown went through the
     * registry is told 1001 as well, instead of keeping shutdown waiting its whole grace.
     */
    @Test
    void aConnectionThatOpensAfterShutdownAskedEveryoneToCloseIsClosedWith1001() {
        org.pushgate.gateway.admission.Admission.Ticket admittedBeforeTheDrain = node.admit();
        assertThat(registry.shutdown()).as("nobody registered yet").isZero();

        FakeSocket late = new FakeSocket("news");
        StepVerifier.create(handler(HEARTBEAT, LIVENESS, 8, OverflowPolicy.DISCONNECT).serve(late, admittedBeforeTheDrain))
                .expectComplete()
                .verify(VERIFY);

        assertThat(late.closedWithCode).isEqualTo(1001);
        assertThat(events.disconnects(CloseReason.SHUTDOWN)).isEqualTo(1);
        assertEverythingReleased(late);
    }

    /** Every way a connection can end, each of which must release the same resources. */
    enum Ending {
        CLIENT_CLOSE_FRAME(CloseReason.CLIENT_CLOSE, (s, t) -> s.socket.peerCloses(1000)),
        SOCKET_DIES(CloseReason.RESET, (s, t) -> s.socket.dies()),
        INBOUND_ERROR(CloseReason.RESET, (s, t) -> s.socket.fail(new java.io.IOException("Connection reset by peer"))),
        FRAME_TOO_LARGE(CloseReason.FRAME_TOO_LARGE, (s, t) -> s.socket.fail(
                new ConnectionSocket.ViolationException(CloseReason.FRAME_TOO_LARGE, null))),
        LIVENESS_TIMEOUT(CloseReason.LIVENESS_TIMEOUT, (s, t) -> t.clock.advanceTimeBy(LIVENESS.plus(TIMEOUT))),
        SLOW_CONSUMER(CloseReason.SLOW_CONSUMER, (s, t) -> {
            for (int i = 0; i < 40; i++) {
                t.publish("news", "0");
            }
        }),
        SHUTDOWN(CloseReason.SHUTDOWN, (s, t) -> t.registry.closeAll(CloseReason.SHUTDOWN)),
        SERVER_CLOSE(CloseReason.SERVER_CLOSE, (s, t) -> t.registry.closeAll(CloseReason.SERVER_CLOSE)),
        OUTBOUND_MEMORY(CloseReason.OUTBOUND_MEMORY, (s, t) -> t.publish("news", "\"" + "x".repeat(2_000) + "\"")),
        CANCEL(CloseReason.RESET, (s, t) -> s.subscription.dispose());

        final CloseReason reason;
        final BiConsumer<Served, ConnectionPipelineTest> trigger;

        Ending(CloseReason reason, BiConsumer<Served, ConnectionPipelineTest> trigger) {
            this.reason = reason;
            this.trigger = trigger;
        }
    }

    record Served(FakeSocket socket, Disposable subscription) { }

    @ParameterizedTest
    @EnumSource(Ending.class)
    void everyWayAConnectionEndsReleasesEverythingItAcquired(Ending ending) {
        FakeSocket socket = new FakeSocket("news", "sports");
        socket.stalled = ending == Ending.SLOW_CONSUMER || ending == Ending.OUTBOUND_MEMORY;
        AtomicInteger terminations = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        // A process fence of 1,000 bytes: eight small frames (the slow-consumer cut) stay under it, one 2 KB
        // message (which an empty buffer always takes) passes it.
        ConnectionPipeline pipeline = node.pipeline(TestNode.settings(HEARTBEAT, LIVENESS, TIMEOUT, 3),
                node.buffers(8, 1L << 30, OverflowPolicy.DISCONNECT, new OutboundBudget(1_000, registry::buffers, Runnable::run)));
        Disposable subscription = serve(pipeline, socket)
                .doFinally(signal -> terminations.incrementAndGet())
                .subscribe(done -> { }, error -> errors.incrementAndGet());

        assertThat(registry.size()).isEqualTo(1);
        assertThat(hub.subscriptionCount()).isEqualTo(2);
        assertThat(registry.activeTimers()).as("equal intervals: one timer does heartbeat and liveness").isEqualTo(1);

        ending.trigger.accept(new Served(socket, subscription), this);

        assertThat(terminations.get()).as("pipeline terminated").isEqualTo(1);
        assertThat(errors.get()).as("pipeline ended without an error").isZero();
        assertThat(events.disconnects(ending.reason)).as("counted as " + ending.reason).isEqualTo(1);
        if (ending != Ending.CANCEL && ending != Ending.CLIENT_CLOSE_FRAME && ending != Ending.SOCKET_DIES
                && ending != Ending.INBOUND_ERROR) {
            assertThat(socket.closedWithCode).as("server close code").isEqualTo(ending.reason.code());
        }
        if (ending == Ending.CANCEL) {
            socket.inbound.assertWasCancelled();
        }
        assertEverythingReleased(socket);
        clock.advanceTimeBy(Duration.ofHours(1));
        assertThat(socket.count(Kind.PING)).as("no ping after the end").isLessThanOrEqualTo(1);
        assertThat(publish("news", "1")).isZero();
    }
}
