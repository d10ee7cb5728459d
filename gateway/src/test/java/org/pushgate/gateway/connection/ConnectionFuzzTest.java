package org.pushgate.gateway.connection;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.pushgate.gateway.hub.LocalHub;
import org.pushgate.gateway.hub.OverflowPolicy;
import org.pushgate.gateway.hub.RecordingEvents;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.protocol.CommandDecoder;
import org.pushgate.gateway.protocol.OutboundFrame;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property-based fuzzing of command handling through the real pipeline: any sequence of frames leaves a
 * consistent connection (subscriptions within the limit, every frame answered or the connection closed
 * with a documented code) and, once the peer goes, nothing behind.
 */
class ConnectionFuzzTest {

    @Property(tries = 300)
    void anyFrameSequenceKeepsCountsConsistentAndLeavesNothingBehind(@ForAll("sequences") List<String> frames) {
        TestNode node = new TestNode(VirtualTimeScheduler.create());
        RecordingEvents events = node.events;
        LocalHub hub = node.hub;
        ConnectionRegistry registry = node.registry;
        ConnectionPipeline handler = node.pipeline(
                TestNode.settings(Duration.ofSeconds(25), Duration.ofSeconds(25), Duration.ofSeconds(10), 5),
                node.buffers(64, OverflowPolicy.DISCONNECT));
        FakeSocket socket = new FakeSocket();
        Disposable pipeline = node.serve(handler, socket).subscribe();

        for (String frame : frames) {
            if (socket.closedWithCode != null) {
                break;
            }
            socket.text(frame);
            assertThat(hub.subscriptionCount()).isLessThanOrEqualTo(5);
            assertThat(registry.snapshot()).allSatisfy(c -> assertThat(c.subscriptionCount()).isEqualTo(hub.subscriptionCount()));
        }
        if (socket.closedWithCode != null) {
            assertThat(socket.closedWithCode).isIn(1008, 1002, 1009);
        } else {
            assertThat(socket.count(OutboundFrame.Kind.REPLY)).as("every frame answered").isEqualTo(frames.size());
        }
        socket.dies();

        assertThat(pipeline.isDisposed()).isTrue();
        assertThat(registry.size()).isZero();
        assertThat(registry.activeTimers()).isZero();
        assertThat(hub.subscriptionCount()).isZero();
        assertThat(hub.channelCount()).isZero();
        assertThat(node.permitsHeld()).isZero();
        assertThat(events.totalDisconnects()).isEqualTo(1);
    }

    @Provide
    Arbitrary<List<String>> sequences() {
        Arbitrary<String> channel = Arbitraries.oneOf(Arbitraries.of("a", "b", "c", "d", "e", "f", "g:h", "user:1"),
                Arbitraries.strings().all().ofMaxLength(40));
        Arbitrary<String> op = Arbitraries.of("subscribe", "unsubscribe", "subscribe", "connect", "nope");
        Arbitrary<String> command = net.jqwik.api.Combinators.combine(op, channel, Arbitraries.integers().between(-5, 5))
                .as((o, c, id) -> "{\"op\":\"" + o + "\",\"channel\":\"" + c.replace("\\", "").replace("\"", "") + "\",\"id\":" + id + "}");
        Arbitrary<String> junk = Arbitraries.strings().all().ofMaxLength(100);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, command), net.jqwik.api.Tuple.of(1, junk)).list().ofMaxSize(40);
    }
}
