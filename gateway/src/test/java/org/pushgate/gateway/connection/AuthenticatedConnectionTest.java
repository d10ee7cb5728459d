package org.pushgate.gateway.connection;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pushgate.gateway.auth.Access;
import org.pushgate.gateway.auth.AuthMode;
import org.pushgate.gateway.auth.ChannelPolicy;
import org.pushgate.gateway.auth.ClientAuth;
import org.pushgate.gateway.auth.Identity;
import org.pushgate.gateway.auth.TokenVerifier;
import org.pushgate.gateway.hub.LocalHub;
import org.pushgate.gateway.hub.OverflowPolicy;
import org.pushgate.gateway.hub.RecordingEvents;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.protocol.CommandDecoder;
import org.pushgate.gateway.protocol.OutboundFrame.Kind;

import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Connections in jwt mode, on virtual time, with a verifier that knows a few fixed tokens (the real JWT
 * verification is tested in JwtTokenVerifierTest and against the running gateway).
 */
class AuthenticatedConnectionTest {

    static final Duration NEVER = Duration.ofDays(365);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
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

    /** "alice-60" is alice for 60 virtual seconds, "alice-600" for 600, "bob-60" is bob; anything else is refused. */
    TokenVerifier verifier() {
        return token -> {
            String[] parts = token.split("-");
            if (parts.length != 2 || !List.of("alice", "bob").contains(parts[0])) {
                return Mono.error(new TokenVerifier.InvalidTokenException("token rejected: bad signature", false));
            }
            Instant exp = Instant.ofEpochMilli(clock.now(TimeUnit.MILLISECONDS)).plusSeconds(Long.parseLong(parts[1]));
            return Mono.just(new Identity(parts[0], exp, List.of("private:" + parts[0] + "-*"), Set.of()));
        };
    }

    ConnectionPipeline handler(int commandsPerSecond, int burst, int violations) {
        ConnectionSettings settings = new ConnectionSettings(NEVER, NEVER, Duration.ofSeconds(10), 20,
                commandsPerSecond, burst, violations, 300);
        ClientAuth auth = new ClientAuth(AuthMode.JWT, verifier(),
                new ChannelPolicy(Map.of("public", Access.AUTHENTICATED, "private", Access.CLAIM), Access.NONE), CONNECT_TIMEOUT,
                Duration.ZERO);
        return node.pipeline(settings, node.buffers(64, OverflowPolicy.DISCONNECT), auth);
    }

    ConnectionPipeline handler() {
        return handler(1_000, 1_000, 100);
    }

    void assertReleased() {
        assertThat(registry.size()).isZero();
        assertThat(registry.activeTimers()).isZero();
        assertThat(hub.subscriptionCount()).isZero();
        assertThat(node.permitsHeld()).isZero();
    }

    @Test
    void aValidConnectFrameAuthenticatesAndSubscribesThePersonalChannelAndTheQueryChannels() {
        FakeSocket socket = new FakeSocket("public:lobby");
        StepVerifier.create(handler().serve(socket, node.admit()))
                .expectSubscription()
                .then(() -> assertThat(hub.subscriptionCount()).as("nothing before connect").isZero())
                .then(() -> socket.text("{\"op\":\"connect\",\"token\":\"alice-600\",\"id\":1}"))
                .then(() -> assertThat(hub.channels()).containsOnlyKeys("user:alice", "public:lobby"))
                .then(() -> assertThat(node.publish("user:alice", "1")).isEqualTo(1))
                .then(() -> socket.text("{\"op\":\"subscribe\",\"channel\":\"user:bob\",\"id\":2}"))
                .then(() -> socket.text("{\"op\":\"subscribe\",\"channel\":\"private:bob-x\",\"id\":3}"))
                .then(() -> socket.text("{\"op\":\"subscribe\",\"channel\":\"private:alice-x\",\"id\":4}"))
                .then(() -> socket.text("{\"op\":\"connect\",\"token\":\"alice-600\",\"id\":5}"))
                .then(() -> clock.advanceTimeBy(CONNECT_TIMEOUT.multipliedBy(2)))
                .then(() -> assertThat(socket.closedWithCode).as("the connect timeout no longer applies").isNull())
                .then(() -> socket.peerCloses(1000))
                .expectComplete()
                .verify(VERIFY);

        assertThat(socket.texts(Kind.REPLY)).satisfiesExactly(
                connected -> assertThat(connected).contains("\"op\":\"connected\"", "\"id\":1", "\"user\":\"alice\"", "\"expires\":600"),
                personal -> assertThat(personal).matches("\\{\"op\":\"subscribed\",\"channel\":\"user:alice\",\"epoch\":\"\\w+\",\"offset\":0}"),
                lobby -> assertThat(lobby).matches("\\{\"op\":\"subscribed\",\"channel\":\"public:lobby\",\"epoch\":\"\\w+\",\"offset\":0}"),
                otherUser -> assertThat(otherUser).contains("\"id\":2", "\"code\":\"forbidden\""),
                notClaimed -> assertThat(notClaimed).contains("\"id\":3", "\"code\":\"forbidden\""),
                claimed -> assertThat(claimed).contains("\"id\":4", "\"op\":\"subscribed\""),
                again -> assertThat(again).contains("\"id\":5", "\"code\":\"already_connected\""));
        assertThat(socket.count(Kind.MESSAGE)).isEqualTo(1);
        assertReleased();
    }

    @Test
    void noConnectWithinTheTimeoutClosesWithItsCodeAndSubscribesNothing() {
        FakeSocket socket = new FakeSocket("public:lobby");
        StepVerifier.create(handler().serve(socket, node.admit()))
                .expectSubscription()
                .then(() -> socket.text("{\"op\":\"subscribe\",\"channel\":\"public:lobby\",\"id\":1}"))
                .then(() -> clock.advanceTimeBy(CONNECT_TIMEOUT.minusMillis(1)))
                .then(() -> assertThat(socket.closedWithCode).isNull())
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(1)))
                .expectComplete()
                .verify(VERIFY);
        assertThat(socket.closedWithCode).isEqualTo(CloseReason.AUTH_TIMEOUT.code());
        assertThat(socket.texts(Kind.REPLY)).singleElement().asString().contains("\"code\":\"not_connected\"");
        assertThat(events.disconnects(CloseReason.AUTH_TIMEOUT)).isEqualTo(1);
        assertReleased();
    }

    @Test
    void anInvalidTokenClosesWithItsCodeAndSubscribesNothing() {
        FakeSocket socket = new FakeSocket("public:lobby");
        StepVerifier.create(handler().serve(socket, node.admit()))
                .expectSubscription()
                .then(() -> socket.text("{\"op\":\"connect\",\"token\":\"mallory-60\"}"))
                .expectComplete()
                .verify(VERIFY);
        assertThat(socket.closedWithCode).isEqualTo(CloseReason.INVALID_TOKEN.code());
        assertThat(socket.texts(Kind.REPLY)).isEmpty();
        assertThat(events.disconnects(CloseReason.INVALID_TOKEN)).isEqualTo(1);
        assertReleased();
    }

    @Test
    void anAuthorizationHeaderAuthenticatesWithoutAConnectFrame() {
        FakeSocket socket = new FakeSocket();
        socket.bearerToken = "bob-60";
        StepVerifier.create(handler().serve(socket, node.admit()))
                .expectSubscription()
                .then(() -> assertThat(hub.channels()).containsOnlyKeys("user:bob"))
                .then(() -> socket.peerCloses(1000))
                .expectComplete()
                .verify(VERIFY);
        assertReleased();
    }

    @Test
    void theConnectionClosesWhenItsTokenExpiresUnlessRefreshedInTime() {
        FakeSocket socket = new FakeSocket();
        StepVerifier.create(handler().serve(socket, node.admit()))
                .expectSubscription()
                .then(() -> socket.text("{\"op\":\"connect\",\"token\":\"alice-60\"}"))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(50)))
                .then(() -> socket.text("{\"op\":\"refresh\",\"token\":\"bob-600\",\"id\":1}"))
                .then(() -> socket.text("{\"op\":\"refresh\",\"token\":\"forged\",\"id\":2}"))
                .then(() -> socket.text("{\"op\":\"refresh\",\"token\":\"alice-60\",\"id\":3}"))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(59)))
                .then(() -> assertThat(socket.closedWithCode).as("refreshed: 60 s from the refresh").isNull())
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(1)))
                .expectComplete()
                .verify(VERIFY);
        assertThat(socket.closedWithCode).isEqualTo(CloseReason.TOKEN_EXPIRED.code());
        assertThat(socket.texts(Kind.REPLY)).satisfiesExactly(
                connected -> assertThat(connected).contains("\"op\":\"connected\""),
                personal -> assertThat(personal).contains("\"op\":\"subscribed\""),
                otherUser -> assertThat(otherUser).contains("\"id\":1", "\"code\":\"invalid_token\"", "another user"),
                forged -> assertThat(forged).contains("\"id\":2", "\"code\":\"invalid_token\"").doesNotContain("forged"),
                refreshed -> assertThat(refreshed).contains("\"op\":\"refreshed\"", "\"id\":3", "\"expires\":110"));
        assertThat(events.disconnects(CloseReason.TOKEN_EXPIRED)).isEqualTo(1);
        assertReleased();
    }

    @Test
    void commandFloodsGetErrorsThenACloseWhenTheyPersist() {
        FakeSocket socket = new FakeSocket();
        StepVerifier.create(handler(2, 4, 3).serve(socket, node.admit()))
                .expectSubscription()
                .then(() -> socket.text("{\"op\":\"connect\",\"token\":\"alice-600\"}"))
                .then(() -> {
                    for (int i = 0; i < 3; i++) {
                        socket.text("{\"op\":\"subscribe\",\"channel\":\"public:c" + i + "\"}");
                    }
                })
                .then(() -> socket.text("{\"op\":\"subscribe\",\"channel\":\"public:over1\"}"))
                .then(() -> socket.text("{\"op\":\"subscribe\",\"channel\":\"public:over2\"}"))
                .then(() -> assertThat(socket.closedWithCode).isNull())
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(1)))
                .then(() -> socket.text("{\"op\":\"subscribe\",\"channel\":\"public:later\"}"))
                .then(() -> {
                    for (int i = 0; i < 4; i++) {
                        socket.text("{\"op\":\"subscribe\",\"channel\":\"public:flood" + i + "\"}");
                    }
                })
                .expectComplete()
                .verify(VERIFY);
        List<String> replies = socket.texts(Kind.REPLY);
        assertThat(replies.stream().filter(r -> r.contains("\"code\":\"rate_limited\"")).count()).as("an error per refused command until the close").isEqualTo(2);
        assertThat(replies).anyMatch(r -> r.contains("public:later"));
        assertThat(socket.closedWithCode).isEqualTo(CloseReason.RATE_LIMITED.code());
        assertReleased();
    }
}
