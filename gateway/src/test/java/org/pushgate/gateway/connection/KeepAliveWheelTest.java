package org.pushgate.gateway.connection;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pushgate.gateway.hub.OverflowPolicy;
import org.pushgate.gateway.protocol.OutboundFrame.Kind;

import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-loop keep-alive wheel, through the pipeline on virtual time: every connection keeps its own phase, one
 * round per interval each, however many share the loop; leaving from anywhere in the wheel is immediate; the
 * wheel and the timer gauge are empty once the connections are gone.
 */
class KeepAliveWheelTest {

    static final Duration INTERVAL = Duration.ofSeconds(25);
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    VirtualTimeScheduler clock;
    TestNode node;
    ConnectionPipeline pipeline;

    @BeforeEach
    void setUp() {
        clock = VirtualTimeScheduler.create();
        node = new TestNode(clock);
        pipeline = node.pipeline(TestNode.settings(INTERVAL, INTERVAL, TIMEOUT, 3), node.buffers(16, OverflowPolicy.DISCONNECT));
    }

    record Open(FakeSocket socket, Disposable served) { }

    Open open() {
        FakeSocket socket = new FakeSocket();
        return new Open(socket, node.serve(pipeline, socket).subscribe());
    }

    static void pong(FakeSocket socket) {
        socket.inbound.next(ConnectionSocket.InboundFrame.of(ConnectionSocket.InboundFrame.Type.PONG));
    }

    @Test
    void eachConnectionKeepsItsOwnPhaseOnASharedLoop() {
        List<Open> open = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            open.add(open()); // at 0 s, 1 s, ... 4 s
            clock.advanceTimeBy(Duration.ofSeconds(1));
        }
        assertThat(node.registry.activeTimers()).as("one per connection").isEqualTo(5);
        assertThat(pipeline.keepAliveRegistrations()).isEqualTo(5);

        clock.advanceTimeBy(INTERVAL.minusSeconds(5)); // t = 25 s: only the first is due
        assertThat(open).extracting(o -> o.socket().count(Kind.HEARTBEAT_PING)).containsExactly(1L, 0L, 0L, 0L, 0L);
        open.forEach(o -> pong(o.socket()));
        clock.advanceTimeBy(Duration.ofSeconds(2)); // t = 27 s
        assertThat(open).extracting(o -> o.socket().count(Kind.HEARTBEAT_PING)).containsExactly(1L, 1L, 1L, 0L, 0L);

        for (int second = 0; second < 250; second++) { // to t = 277 s, every peer answering within a second
            open.forEach(o -> pong(o.socket()));
            clock.advanceTimeBy(Duration.ofSeconds(1));
        }
        assertThat(open).extracting(o -> o.socket().count(Kind.HEARTBEAT_PING))
                .as("one round per interval each, none missed, none doubled").containsExactly(11L, 11L, 11L, 10L, 10L);
        assertThat(open).allSatisfy(o -> assertThat(o.socket().closedWithCode).isNull());
        open.forEach(o -> o.socket().peerCloses(1000));
        assertThat(node.registry.activeTimers()).isZero();
        assertThat(pipeline.keepAliveRegistrations()).isZero();
    }

    @Test
    void aConnectionLeavesFromTheMiddleOfTheWheelAndTheOthersGoOn() {
        List<Open> open = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            open.add(open());
            clock.advanceTimeBy(Duration.ofSeconds(1));
        }
        open.get(1).socket().dies();
        assertThat(node.registry.activeTimers()).isEqualTo(2);
        assertThat(pipeline.keepAliveRegistrations()).isEqualTo(2);

        clock.advanceTimeBy(INTERVAL);
        assertThat(open).extracting(o -> o.socket().count(Kind.HEARTBEAT_PING)).containsExactly(1L, 0L, 1L);
        pong(open.get(0).socket());
        clock.advanceTimeBy(TIMEOUT);
        assertThat(open.get(0).socket().closedWithCode).as("answered").isNull();
        assertThat(open.get(2).socket().closedWithCode).as("silent: cut at its own deadline").isEqualTo(4000);
        assertThat(node.events.disconnects(CloseReason.LIVENESS_TIMEOUT)).isEqualTo(1);
        assertThat(pipeline.keepAliveRegistrations()).isEqualTo(1);

        open.get(0).served().dispose(); // a cancelled pipeline terminates too
        assertThat(node.registry.activeTimers()).isZero();
        assertThat(pipeline.keepAliveRegistrations()).isZero();
        clock.advanceTimeBy(INTERVAL.multipliedBy(4));
        assertThat(open.get(0).socket().count(Kind.HEARTBEAT_PING)).as("nothing after the end").isEqualTo(1);
    }

    /** A peer that answered three rounds and then fell silent is cut at its fourth round plus the timeout, not later. */
    @Test
    void aPeerThatFallsSilentIsCutAtTheFirstUnansweredRoundPlusTheTimeout() {
        Open peer = open();
        clock.advanceTimeBy(Duration.ofSeconds(1));
        for (int round = 1; round <= 3; round++) {
            clock.advanceTimeBy(INTERVAL);
            pong(peer.socket()); // a second after the rounds at 25, 50 and 75 s
        }
        clock.advanceTimeBy(Duration.ofSeconds(24)); // t = 100 s: the fourth round, never answered
        assertThat(peer.socket().count(Kind.HEARTBEAT_PING)).isEqualTo(4);
        clock.advanceTimeBy(TIMEOUT.minusMillis(1));
        assertThat(peer.socket().closedWithCode).as("still within the timeout").isNull();
        clock.advanceTimeBy(Duration.ofMillis(1));
        assertThat(peer.socket().closedWithCode).isEqualTo(4000);
        assertThat(node.registry.activeTimers()).isZero();
        assertThat(pipeline.keepAliveRegistrations()).isZero();
    }

    /** Many connections, all on one loop: each gets exactly its rounds, and the wheel empties with them. */
    @Test
    void aThousandConnectionsOnOneLoopEachGetOneRoundPerInterval() {
        List<Open> open = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            open.add(open());
            clock.advanceTimeBy(Duration.ofMillis(25)); // spread over one interval
        }
        // t = 25 s; four more intervals, every peer answering within a second of its ping.
        for (int step = 0; step < 100; step++) {
            open.forEach(o -> pong(o.socket()));
            clock.advanceTimeBy(Duration.ofSeconds(1));
        }
        for (int i = 0; i < open.size(); i++) {
            FakeSocket socket = open.get(i).socket();
            long openedAtMillis = i * 25L;
            assertThat(socket.count(Kind.HEARTBEAT_PING)).as("connection %d", i).isEqualTo((125_000 - openedAtMillis) / 25_000);
            assertThat(socket.closedWithCode).isNull();
        }
        assertThat(node.registry.activeTimers()).isEqualTo(1_000);
        for (int i = 0; i < 1_000; i += 2) {
            open.get(i).socket().peerCloses(1000);
        }
        assertThat(pipeline.keepAliveRegistrations()).isEqualTo(500);
        for (int i = 1; i < 1_000; i += 2) {
            open.get(i).socket().dies();
        }
        assertThat(node.registry.activeTimers()).isZero();
        assertThat(pipeline.keepAliveRegistrations()).isZero();
        assertThat(node.registry.size()).isZero();
    }
}
