package org.pushgate.gateway.transport.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pushgate.gateway.auth.Access;
import org.pushgate.gateway.auth.AuthMode;
import org.pushgate.gateway.auth.ChannelPolicy;
import org.pushgate.gateway.auth.ClientAuth;
import org.pushgate.gateway.auth.Identity;
import org.pushgate.gateway.auth.TokenVerifier;
import org.pushgate.gateway.connection.CloseReason;
import org.pushgate.gateway.connection.ConnectionPipeline;
import org.pushgate.gateway.connection.ConnectionSettings;
import org.pushgate.gateway.connection.FakeSocket;
import org.pushgate.gateway.connection.TestNode;
import org.pushgate.gateway.hub.OverflowPolicy;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.protocol.OutboundFrame.Kind;

import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A Centrifugo connection through the one pipeline, on virtual time, in jwt mode with a verifier that knows a few
 * fixed tokens: what the codec does to the handler's answers, end to end but without a network (the SDK itself
 * runs against the real gateway in gateway-tests, it/centrifugo).
 */
class CentrifugoConnectionTest {

    static final Duration LIVENESS = Duration.ofSeconds(10);
    static final Duration VERIFY = Duration.ofSeconds(5);

    VirtualTimeScheduler clock;
    TestNode node;
    final CentrifugoProtocol protocol = new CentrifugoProtocol(new CentrifugoCommands(new ChannelNames(64), 4096, 8192, 20), 10);

    @BeforeEach
    void setUp() {
        clock = VirtualTimeScheduler.create();
        node = new TestNode(clock);
    }

    /** "alice-60" is alice for 60 virtual seconds; "expired" has expired; anything else is forged. */
    TokenVerifier verifier() {
        return token -> {
            if (token.equals("expired")) {
                return Mono.error(new TokenVerifier.InvalidTokenException("token expired", true));
            }
            String[] parts = token.split("-");
            if (parts.length != 2 || !parts[0].equals("alice")) {
                return Mono.error(new TokenVerifier.InvalidTokenException("bad signature", false));
            }
            Instant exp = Instant.ofEpochMilli(clock.now(TimeUnit.MILLISECONDS)).plusSeconds(Long.parseLong(parts[1]));
            return Mono.just(new Identity("alice", exp, List.of(), Set.of()));
        };
    }

    /** One command per second, burst 1: a frame of several commands takes one token. */
    ConnectionPipeline pipeline() {
        ConnectionSettings settings = new ConnectionSettings(LIVENESS, LIVENESS, LIVENESS, 20, 1, 1, 100, 300);
        ClientAuth auth = new ClientAuth(AuthMode.JWT, verifier(),
                new ChannelPolicy(Map.of("public", Access.AUTHENTICATED), Access.NONE), Duration.ofSeconds(30), Duration.ZERO);
        return node.pipeline(settings, node.buffers(64, OverflowPolicy.DISCONNECT), auth);
    }

    StepVerifier.Step<Void> serve(FakeSocket socket) {
        return StepVerifier.create(pipeline().serve(new CentrifugoSocket(socket), node.admit(), protocol)).expectSubscription();
    }

    void assertReleased() {
        assertThat(node.registry.size()).isZero();
        assertThat(node.registry.activeTimers()).isZero();
        assertThat(node.hub.subscriptionCount()).isZero();
        assertThat(node.permitsHeld()).isZero();
    }

    @Test
    void aFrameOfConnectAndSubscribesIsAnsweredInOrderAndTakesOneCommandToken() {
        FakeSocket socket = new FakeSocket();
        serve(socket)
                .then(() -> socket.text("{\"id\":1,\"connect\":{\"token\":\"alice-60\"}}\n"
                        + "{\"id\":2,\"subscribe\":{\"channel\":\"public:a\"}}\n{\"id\":3,\"subscribe\":{\"channel\":\"internal:x\"}}\n"
                        + "{\"id\":4,\"subscribe\":{\"channel\":\"public:b\"}}"))
                .then(() -> assertThat(node.hub.channels()).as("no server-side subscription of user:alice")
                        .containsOnlyKeys("public:a", "public:b"))
                .then(() -> socket.peerCloses(1000))
                .expectComplete()
                .verify(VERIFY);
        assertThat(socket.texts(Kind.REPLY)).satisfiesExactly(
                connect -> assertThat(connect).startsWith("{\"id\":1,\"connect\":{\"client\":")
                        .contains("\"expires\":true,\"ttl\":59", "\"ping\":10,\"pong\":true"),
                a -> assertThat(a).startsWith("{\"id\":2,\"subscribe\":{\"recoverable\":true"),
                refused -> assertThat(refused).isEqualTo("{\"id\":3,\"error\":{\"code\":103,\"message\":\"not allowed to subscribe to internal:x\"}}"),
                b -> assertThat(b).startsWith("{\"id\":4,\"subscribe\":{"));
        assertReleased();
    }

    @Test
    void messagesArePublicationPushesAndAGapIsAn2500UnsubscribePush() {
        FakeSocket socket = new FakeSocket();
        serve(socket)
                .then(() -> socket.text("{\"id\":1,\"connect\":{\"token\":\"alice-60\"}}\n{\"id\":2,\"subscribe\":{\"channel\":\"public:a\"}}"))
                .then(() -> node.publish("public:a", "{\"n\":1}"))
                .then(() -> node.hub.deliver("public:a", node.broker.history("public:a", 0, 0).block(VERIFY).top().epoch(), 5,
                        "{\"n\":5}".getBytes()).block(VERIFY))
                .then(() -> socket.peerCloses(1000))
                .expectComplete()
                .verify(VERIFY);
        assertThat(socket.texts(Kind.MESSAGE)).containsExactly(
                "{\"push\":{\"channel\":\"public:a\",\"pub\":{\"data\":{\"n\":1},\"offset\":1}}}");
        assertThat(socket.texts(Kind.REPLY)).last()
                .isEqualTo("{\"push\":{\"channel\":\"public:a\",\"unsubscribe\":{\"code\":2500,\"reason\":\"insufficient state\"}}}");
        assertReleased();
    }

    @Test
    void anExpiredConnectTokenGets109AndTheConnectionWaitsForAnotherConnect() {
        FakeSocket socket = new FakeSocket();
        serve(socket)
                .then(() -> socket.text("{\"id\":1,\"connect\":{\"token\":\"expired\"}}"))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(1)))
                .then(() -> socket.text("{\"id\":2,\"connect\":{\"token\":\"alice-60\"}}"))
                .then(() -> assertThat(socket.closedWithCode).isNull())
                .then(() -> socket.peerCloses(1000))
                .expectComplete()
                .verify(VERIFY);
        assertThat(socket.texts(Kind.REPLY)).satisfiesExactly(
                expired -> assertThat(expired).isEqualTo("{\"id\":1,\"error\":{\"code\":109,\"message\":\"token expired\"}}"),
                connected -> assertThat(connected).startsWith("{\"id\":2,\"connect\":"));
        assertReleased();
    }

    @Test
    void closeReasonsGoOutAsCentrifugoDisconnectCodes() {
        FakeSocket forged = new FakeSocket();
        serve(forged).then(() -> forged.text("{\"id\":1,\"connect\":{\"token\":\"mallory\"}}")).expectComplete().verify(VERIFY);
        assertThat(forged.closedWithCode).isEqualTo(3500);

        FakeSocket noId = new FakeSocket();
        serve(noId).then(() -> noId.text("{\"subscribe\":{\"channel\":\"public:a\"}}")).expectComplete().verify(VERIFY);
        assertThat(noId.closedWithCode).as("a command without id cannot be answered").isEqualTo(3501);
        assertThat(node.events.disconnects(CloseReason.PROTOCOL_ERROR)).isEqualTo(1);

        FakeSocket expiring = new FakeSocket();
        serve(expiring)
                .then(() -> expiring.text("{\"id\":1,\"connect\":{\"token\":\"alice-5\"}}"))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(5))) // before the liveness timeout
                .expectComplete()
                .verify(VERIFY);
        assertThat(expiring.closedWithCode).isEqualTo(3005);
        assertReleased();
    }

    @Test
    void theServersPingIsTheEmptyObjectAndTheClientsEmptyObjectIsItsPong() {
        FakeSocket answering = new FakeSocket();
        serve(answering)
                .then(() -> answering.text("{\"id\":1,\"connect\":{\"token\":\"alice-600\"}}"))
                .then(() -> clock.advanceTimeBy(LIVENESS))
                .then(() -> assertThat(answering.texts(Kind.REPLY)).last().isEqualTo("{}"))
                .then(() -> answering.text("{}"))
                .then(() -> clock.advanceTimeBy(LIVENESS.minusSeconds(1)))
                .then(() -> assertThat(answering.closedWithCode).as("the pong counted").isNull())
                .then(() -> assertThat(answering.texts(Kind.HEARTBEAT)).as("no heartbeat frames").isEmpty())
                .then(() -> answering.peerCloses(1000))
                .expectComplete()
                .verify(VERIFY);

        FakeSocket silent = new FakeSocket();
        serve(silent)
                .then(() -> silent.text("{\"id\":1,\"connect\":{\"token\":\"alice-600\"}}"))
                .then(() -> clock.advanceTimeBy(LIVENESS.multipliedBy(2)))
                .expectComplete()
                .verify(VERIFY);
        assertThat(silent.closedWithCode).isEqualTo(3012);
        assertReleased();
    }
}
