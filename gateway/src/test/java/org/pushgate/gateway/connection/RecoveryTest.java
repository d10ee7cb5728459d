package org.pushgate.gateway.connection;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.broker.History;
import org.pushgate.gateway.broker.Published;
import org.pushgate.gateway.broker.TestBrokers;
import org.pushgate.gateway.hub.OverflowPolicy;
import org.pushgate.gateway.protocol.OutboundFrame.Kind;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Subscribes with a stream position: the reply carries the channel's epoch and offset; with {@code since}, the
 * client gets exactly the messages it missed, then the live ones, with no gap and no duplicate (including
 * messages published while the history was being read), or {@code recovered:false} and none of them.
 */
class RecoveryTest {

    static final Duration NEVER = Duration.ofDays(365);
    static final Duration VERIFY = Duration.ofSeconds(5);

    TestNode node;

    @BeforeEach
    void setUp() {
        node = new TestNode(VirtualTimeScheduler.create());
    }

    ConnectionPipeline pipeline() {
        return node.pipeline(TestNode.settings(NEVER, NEVER, Duration.ofSeconds(10), 10), node.buffers(64, OverflowPolicy.DISCONNECT));
    }

    /** A pipeline whose connections read history through this broker (a test's slowed one). */
    ConnectionPipeline pipelineReadingThrough(Broker reads) {
        ConnectionSettings settings = TestNode.settings(NEVER, NEVER, Duration.ofSeconds(10), 10);
        return new ConnectionPipeline(new NodeResources(node.hub, reads, node.registry, settings,
                node.buffers(64, OverflowPolicy.DISCONNECT), org.pushgate.gateway.auth.ClientAuth.none(), node.events),
                new org.pushgate.gateway.protocol.CommandDecoder(new org.pushgate.gateway.protocol.ChannelNames(64), 4096, 8192),
                node.clock);
    }

    /** The node's broker, with each history read starting once {@code read} completes and answering once {@code answer} does. */
    Broker gatedReads(Mono<Void> read, Mono<Void> answer) {
        return new Broker() {
            @Override
            public Mono<Published> publish(String channel, byte[] data) {
                return node.broker.publish(channel, data);
            }

            @Override
            public Mono<History> history(String channel, long since, int limit) {
                return read.then(node.broker.history(channel, since, limit)).delayUntil(history -> answer);
            }

            @Override
            public Mono<Void> forget(java.util.Collection<String> channels) {
                return node.broker.forget(channels);
            }
        };
    }

    String epoch(String channel) {
        return node.broker.history(channel, 0, 0).block(VERIFY).top().epoch();
    }

    void publishAll(String channel, int from, int to) {
        for (int i = from; i <= to; i++) {
            node.publish(channel, Integer.toString(i));
        }
    }

    static List<Long> offsets(FakeSocket socket) {
        return socket.sent.stream().filter(f -> f.kind() == Kind.MESSAGE).map(f -> f.offset()).toList();
    }

    static String reply(FakeSocket socket, int index) {
        return socket.texts(Kind.REPLY).get(index);
    }

    @Test
    void aFreshSubscribeAnswersTheStreamsPositionAndThenOnlyNewMessages() {
        publishAll("news", 1, 4);
        FakeSocket socket = new FakeSocket();
        node.serve(pipeline(), socket).subscribe();

        socket.text("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":1}");
        node.publish("news", "5");

        assertThat(reply(socket, 0)).isEqualTo(
                "{\"op\":\"subscribed\",\"channel\":\"news\",\"id\":1,\"epoch\":\"" + epoch("news") + "\",\"offset\":4}");
        assertThat(offsets(socket)).containsExactly(5L);
        socket.peerCloses(1000);
    }

    @Test
    void aSubscribeWithSinceGetsExactlyTheMissedMessagesThenTheLiveOnes() {
        publishAll("news", 1, 5);
        String epoch = epoch("news");
        FakeSocket socket = new FakeSocket();
        node.serve(pipeline(), socket).subscribe();

        socket.text("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":7,\"since\":{\"offset\":2,\"epoch\":\"" + epoch + "\"}}");
        publishAll("news", 6, 7);

        assertThat(reply(socket, 0)).isEqualTo("{\"op\":\"subscribed\",\"channel\":\"news\",\"id\":7,\"epoch\":\"" + epoch
                + "\",\"offset\":5,\"recovered\":true}");
        assertThat(offsets(socket)).containsExactly(3L, 4L, 5L, 6L, 7L);
        assertThat(socket.texts(Kind.MESSAGE).get(0)).isEqualTo("{\"op\":\"message\",\"channel\":\"news\",\"offset\":3,\"data\":3}");
        socket.peerCloses(1000);
    }

    @Test
    void aPositionFromAnotherEpochIsNotRecoveredAndNoMissedMessageIsSent() {
        publishAll("news", 1, 5);
        FakeSocket socket = new FakeSocket();
        node.serve(pipeline(), socket).subscribe();

        socket.text("{\"op\":\"subscribe\",\"channel\":\"news\",\"since\":{\"offset\":2,\"epoch\":\"gone\"}}");
        node.publish("news", "6");

        assertThat(reply(socket, 0)).contains("\"offset\":5", "\"recovered\":false");
        assertThat(offsets(socket)).as("live messages only, never a part of the missed ones").containsExactly(6L);
        socket.peerCloses(1000);
    }

    @Test
    void aPositionOlderThanTheHistoryKeptIsNotRecovered() {
        node = new TestNode(VirtualTimeScheduler.create());
        Broker small = TestBrokers.memory(node.hub, node.clock, 3, Duration.ofHours(1), 1L << 20);
        for (int i = 1; i <= 6; i++) {
            small.publish("news", Integer.toString(i).getBytes(UTF_8)).block(VERIFY);
        }
        String epoch = small.history("news", 0, 0).block(VERIFY).top().epoch();
        FakeSocket socket = new FakeSocket();
        node.serve(pipelineReadingThrough(small), socket).subscribe();

        socket.text("{\"op\":\"subscribe\",\"channel\":\"news\",\"since\":{\"offset\":2,\"epoch\":\"" + epoch + "\"}}");

        assertThat(reply(socket, 0)).as("4, 5, 6 are kept; 3 is gone").contains("\"recovered\":false");
        assertThat(offsets(socket)).isEmpty();
        socket.peerCloses(1000);
    }

    @Test
    void moreMissedMessagesThanMaxRecoveredAreNotRecovered() {
        publishAll("news", 1, 400); // max-recovered is 300 in TestNode.settings
        String epoch = epoch("news");
        FakeSocket socket = new FakeSocket();
        node.serve(pipeline(), socket).subscribe();

        socket.text("{\"op\":\"subscribe\",\"channel\":\"news\",\"since\":{\"offset\":50,\"epoch\":\"" + epoch + "\"}}");

        assertThat(reply(socket, 0)).contains("\"recovered\":false");
        assertThat(offsets(socket)).isEmpty();
        socket.peerCloses(1000);
    }

    /**
     * A recovery larger than the subscriber's buffer can hold (here 64 frames) answers {@code recovered:false} and
     * sends none of the missed messages: sent anyway, it would overflow the buffer behind a writer that cannot drain
     * it at once and cut the client as a slow consumer, which would reconnect and ask for the same again, for as
     * long as history keeps them. One that fits is recovered (the test before: 62 missed messages + the reply).
     */
    @Test
    void aRecoveryLargerThanTheBufferIsNotRecoveredAndTheClientIsNotCut() {
        publishAll("news", 1, 95); // the memory engine keeps 100 here
        String epoch = epoch("news");
        FakeSocket socket = new FakeSocket();
        socket.stalled = true; // a writer that takes nothing while the recovery is queued, as behind a busy socket
        node.serve(pipeline(), socket).subscribe();

        socket.text("{\"op\":\"subscribe\",\"channel\":\"news\",\"since\":{\"offset\":1,\"epoch\":\"" + epoch + "\"}}");
        socket.sender.request(Long.MAX_VALUE);
        node.publish("news", "96");

        assertThat(reply(socket, 0)).contains("\"offset\":95", "\"recovered\":false");
        assertThat(offsets(socket)).as("live only, none of the missed").containsExactly(96L);
        assertThat(socket.closedWithCode).as("not cut").isNull();
        socket.peerCloses(1000);
    }

    @Test
    void aRecoveryThatFitsTheBufferIsRecoveredBehindAStalledWriter() {
        publishAll("news", 1, 63);
        String epoch = epoch("news");
        FakeSocket socket = new FakeSocket();
        socket.stalled = true;
        node.serve(pipeline(), socket).subscribe();

        socket.text("{\"op\":\"subscribe\",\"channel\":\"news\",\"since\":{\"offset\":1,\"epoch\":\"" + epoch + "\"}}");
        socket.sender.request(Long.MAX_VALUE);

        assertThat(reply(socket, 0)).contains("\"offset\":63", "\"recovered\":true");
        assertThat(offsets(socket)).hasSize(62).startsWith(2L).endsWith(63L);
        assertThat(socket.closedWithCode).isNull();
        socket.peerCloses(1000);
    }

    @Test
    void aClientThatMissedNothingRecoversWithNoMessages() {
        publishAll("news", 1, 3);
        String epoch = epoch("news");
        FakeSocket socket = new FakeSocket();
        node.serve(pipeline(), socket).subscribe();

        socket.text("{\"op\":\"subscribe\",\"channel\":\"news\",\"since\":{\"offset\":3,\"epoch\":\"" + epoch + "\"}}");

        assertThat(reply(socket, 0)).contains("\"offset\":3", "\"recovered\":true");
        assertThat(offsets(socket)).isEmpty();
        socket.peerCloses(1000);
    }

    /**
     * The race recovery must survive: messages published after the subscribe joined the channel but before the
     * history read (they are in both: sent once), and after the read but before the reply went out (only live:
     * sent after the recovered ones). Exactly every offset once, in order.
     */
    @Test
    void messagesPublishedWhileTheHistoryIsReadAreNeitherLostNorDuplicated() {
        publishAll("news", 1, 5);
        String epoch = epoch("news");
        Sinks.Empty<Void> readNow = Sinks.empty();
        Sinks.Empty<Void> answerNow = Sinks.empty();
        FakeSocket socket = new FakeSocket();
        node.serve(pipelineReadingThrough(gatedReads(readNow.asMono(), answerNow.asMono())), socket).subscribe();

        socket.text("{\"op\":\"subscribe\",\"channel\":\"news\",\"since\":{\"offset\":1,\"epoch\":\"" + epoch + "\"}}");
        publishAll("news", 6, 7);   // joined, not yet read: held live, and in the history read below
        readNow.tryEmitEmpty();
        publishAll("news", 8, 9);   // read, not yet answered: held live only
        answerNow.tryEmitEmpty();
        node.publish("news", "10"); // after the reply: straight through

        assertThat(reply(socket, 0)).contains("\"offset\":7", "\"recovered\":true");
        assertThat(offsets(socket)).containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        socket.peerCloses(1000);
    }

    /**
     * The node learns of a gap (a catch-up at a new position) while a subscribe is reading the stream: the subscribe
     * is still answered (a client waits for the reply to its id), and then told its state is insufficient, since its
     * read may predate the gap; it subscribes again with since. Before, the reply was silently dropped.
     */
    @Test
    void aGapSeenWhileASubscribeReadsTheStreamStillAnswersItThenTellsInsufficientState() {
        publishAll("news", 1, 3);
        String epoch = epoch("news");
        Sinks.Empty<Void> answerNow = Sinks.empty();
        FakeSocket socket = new FakeSocket();
        node.serve(pipelineReadingThrough(gatedReads(Mono.empty(), answerNow.asMono())), socket).subscribe();

        socket.text("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":3}");
        node.hub.deliver("news", epoch, 4, "4".getBytes(UTF_8)).block(VERIFY); // sets the node's position: 4
        node.hub.catchUp("news", "another", 9); // the stream moved on meanwhile
        answerNow.tryEmitEmpty();

        assertThat(socket.texts(Kind.REPLY)).hasSize(2);
        assertThat(reply(socket, 0)).startsWith("{\"op\":\"subscribed\",\"channel\":\"news\",\"id\":3,");
        assertThat(reply(socket, 1)).isEqualTo("{\"op\":\"insufficient_state\",\"channel\":\"news\"}");
        assertThat(node.hub.subscriptionCount()).as("unsubscribed by the server").isZero();

        socket.text("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":4}");
        assertThat(socket.texts(Kind.REPLY)).as("subscribing again works").hasSize(3);
        assertThat(reply(socket, 2)).startsWith("{\"op\":\"subscribed\",\"channel\":\"news\",\"id\":4,");
        socket.peerCloses(1000);
    }

    @Test
    void theUpgradeRequestCanAskToRecoverWithSinceChannelOffsetEpoch() {
        publishAll("room:1", 1, 4);
        String epoch = epoch("room:1");
        FakeSocket socket = new FakeSocket();
        socket.initialSince = List.of("room:1:2:" + epoch);
        node.serve(pipeline(), socket).subscribe();

        assertThat(reply(socket, 0)).contains("\"channel\":\"room:1\"", "\"offset\":4", "\"recovered\":true");
        assertThat(offsets(socket)).containsExactly(3L, 4L);
        socket.peerCloses(1000);
    }

    @Test
    void aMalformedSinceIsAnsweredAsABadFrame() {
        FakeSocket socket = new FakeSocket();
        node.serve(pipeline(), socket).subscribe();

        socket.text("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":1,\"since\":{\"offset\":-1,\"epoch\":\"e\"}}");
        socket.text("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":2,\"since\":{\"offset\":1}}");

        assertThat(socket.texts(Kind.REPLY)).allSatisfy(r -> assertThat(r).contains("\"code\":\"bad_frame\""));
        assertThat(node.hub.subscriptionCount()).isZero();
        socket.peerCloses(1000);
    }

    /**
     * A gap seen by the node (a message lost between nodes, a broker reconnect) is never silent: the subscriber
     * is told its state is insufficient and unsubscribed, so that it subscribes again with since.
     */
    @Test
    void aGapInTheChannelsOffsetsTellsTheSubscriberItsStateIsInsufficient() {
        FakeSocket socket = new FakeSocket("news");
        node.serve(pipeline(), socket).subscribe();
        publishAll("news", 1, 2);
        String epoch = epoch("news");

        node.hub.deliver("news", epoch, 5, "5".getBytes(UTF_8)).block(VERIFY); // 3 and 4 never reached this node

        assertThat(socket.texts(Kind.REPLY)).last().isEqualTo("{\"op\":\"insufficient_state\",\"channel\":\"news\"}");
        assertThat(offsets(socket)).containsExactly(1L, 2L);
        assertThat(node.hub.subscriptionCount()).as("unsubscribed by the server").isZero();
        socket.peerCloses(1000);
    }

    @Test
    void aCatchUpPastWhatTheNodeFannedOutTellsSubscribersToo() {
        FakeSocket socket = new FakeSocket("news");
        node.serve(pipeline(), socket).subscribe();
        publishAll("news", 1, 2);

        node.hub.catchUp("news", epoch("news"), 2);
        assertThat(socket.texts(Kind.REPLY)).noneMatch(r -> r.contains("insufficient_state"));
        node.hub.catchUp("news", epoch("news"), 4);
        assertThat(socket.texts(Kind.REPLY)).last().isEqualTo("{\"op\":\"insufficient_state\",\"channel\":\"news\"}");
        socket.peerCloses(1000);
    }
}
