package org.pushgate.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pushgate.gateway.edge.HandshakeFailures.Reason;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import reactor.core.scheduler.Schedulers;
import reactor.netty.NettyPipeline;

/**
 * The guard's deadlines and counts, on an {@link EmbeddedChannel} with the real HTTP codec in front of it and
 * virtual time ({@link EmbeddedChannel#advanceTimeBy}): every case is a socket's whole life in a few steps.
 */
class HandshakeGuardTest {

    private static final Duration HANDSHAKE = Duration.ofSeconds(10);
    private static final Duration IDLE = Duration.ofSeconds(60);
    private static final String UPGRADE = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    private final PendingHandshakes pending = new PendingHandshakes(0);
    private final HandshakeFailures failures = new HandshakeFailures(new org.pushgate.gateway.metrics.GatewayMetrics(new SimpleMeterRegistry()), Duration.ofMinutes(1),
            Schedulers.immediate());
    private EmbeddedChannel channel;

    private EmbeddedChannel accept() throws Exception {
        channel = new EmbeddedChannel(false, false);
        channel.pipeline().addLast(NettyPipeline.HttpCodec, new HttpServerCodec(4096, 8192, 8192));
        channel.pipeline().addLast(HandshakeGuard.NAME,
                new HandshakeGuard(pending, failures, HANDSHAKE.toNanos(), IDLE.toNanos()));
        channel.register();
        return channel;
    }

    private void send(String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    private void respond(HttpResponseStatus status) {
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status));
    }

    private void advance(Duration by) {
        channel.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
    }

    @AfterEach
    void releaseEverything() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        assertThat(pending.pending()).as("pending handshakes after the socket is gone").isZero();
    }

    @Test
    void aHeadThatNeverEndsIsClosedAtTheHandshakeDeadlineAndCounted() throws Exception {
        accept();
        assertThat(pending.pending()).isEqualTo(1);
        send("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n");

        // EmbeddedChannel's clock is real time plus the advances: a margin for the time the test itself takes.
        advance(HANDSHAKE.minusMillis(500));
        assertThat(channel.isOpen()).as("open just before the deadline").isTrue();
        advance(Duration.ofMillis(500));

        assertThat(channel.isOpen()).isFalse();
        assertThat(failures.count(Reason.HANDSHAKE_TIMEOUT)).isEqualTo(1);
        assertThat(failures.count(Reason.CLOSED_MID_HEAD)).as("the guard's own close is not counted twice").isZero();
        assertThat(pending.pending()).isZero();
        ReferenceCountUtil.release(channel.readInbound());
    }

    @Test
    void aSocketThatSendsNothingIsClosedAtTheHandshakeDeadline() throws Exception {
        accept();
        advance(HANDSHAKE);
        assertThat(channel.isOpen()).isFalse();
        assertThat(failures.count(Reason.HANDSHAKE_TIMEOUT)).isEqualTo(1);
    }

    @Test
    void aPeerThatClosesMidHeadIsCountedAsClosedMidHead() throws Exception {
        accept();
        send("GET /ws HTTP/1.1\r\nHost: x\r\n");
        channel.close();
        // The codec turns the premature close into an invalid request; the application behind would get it.
        ReferenceCountUtil.release(channel.readInbound());
        assertThat(failures.count(Reason.CLOSED_MID_HEAD)).isEqualTo(1);
        assertThat(failures.count(Reason.HANDSHAKE_TIMEOUT)).isZero();
    }

    @Test
    void aRequestLineTooLongIsCountedAndPassedOn() throws Exception {
        accept();
        send("GET /" + "a".repeat(5000) + " HTTP/1.1\r\n");
        Object bad = channel.readInbound();
        assertThat(bad).as("the failed request still reaches the application, which answers 400").isNotNull();
        ReferenceCountUtil.release(bad);
        assertThat(failures.count(Reason.LINE_TOO_LONG)).isEqualTo(1);
    }

    @Test
    void aWebSocketUpgradeAnswered101LeavesThePipelineAndNoDeadlineFires() throws Exception {
        accept();
        send(UPGRADE);
        ReferenceCountUtil.release(channel.readInbound());
        respond(HttpResponseStatus.SWITCHING_PROTOCOLS);

        assertThat(channel.pipeline().get(HandshakeGuard.NAME)).isNull();
        assertThat(pending.pending()).isZero();
        advance(IDLE.plus(HANDSHAKE));
        assertThat(channel.isOpen()).as("a WebSocket's deadlines are the liveness probe's").isTrue();
    }

    @Test
    void aWebSocketWhose101NeverLeavesIsClosedAtTheHandshakeDeadline() throws Exception {
        accept();
        send(UPGRADE);
        ReferenceCountUtil.release(channel.readInbound());
        // Written but never flushed: the 101 waits in the socket, as for a peer that takes no bytes.
        channel.write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS));

        assertThat(pending.pending()).as("answered: no longer a pending handshake").isZero();
        assertThat(channel.pipeline().get(HandshakeGuard.NAME)).as("still guarding until the 101 is out").isNotNull();
        advance(HANDSHAKE);
        assertThat(channel.isOpen()).isFalse();
        assertThat(failures.count(Reason.HANDSHAKE_TIMEOUT)).isEqualTo(1);
    }

    @Test
    void anUpgradeNotAnsweredWithinTheDeadlineIsClosed() throws Exception {
        accept();
        send(UPGRADE);
        ReferenceCountUtil.release(channel.readInbound());
        ReferenceCountUtil.release(channel.readInbound());
        advance(HANDSHAKE);
        assertThat(channel.isOpen()).isFalse();
        assertThat(failures.count(Reason.HANDSHAKE_TIMEOUT)).isEqualTo(1);
    }

    @Test
    void aRefusedUpgradeEndsTheHandshakeAndTheKeepAliveIdleDeadlineTakesOver() throws Exception {
        accept();
        send(UPGRADE);
        respond(HttpResponseStatus.SERVICE_UNAVAILABLE);
        assertThat(pending.pending()).isZero();

        advance(IDLE.minusMillis(500));
        assertThat(channel.isOpen()).isTrue();
        advance(Duration.ofMillis(500));
        assertThat(channel.isOpen()).isFalse();
        assertThat(failures.count(Reason.IDLE_TIMEOUT)).isEqualTo(1);
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeoutAndEachRequestRestartsIt() throws Exception {
        accept();
        send("GET /actuator/health HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(pending.pending()).as("a complete head ends the handshake").isZero();
        advance(HANDSHAKE.multipliedBy(3));
        assertThat(channel.isOpen()).as("the application's time to answer is not bounded here").isTrue();
        respond(HttpResponseStatus.OK);

        advance(IDLE.minusSeconds(1));
        send("GET /actuator/health HTTP/1.1\r\nHost: x\r\n\r\n");
        respond(HttpResponseStatus.OK);
        advance(IDLE.minusSeconds(1));
        assertThat(channel.isOpen()).as("the second response restarted the idle deadline").isTrue();
        advance(Duration.ofSeconds(1));

        assertThat(channel.isOpen()).isFalse();
        assertThat(failures.count(Reason.IDLE_TIMEOUT)).isEqualTo(1);
    }

    @Test
    void aTricklingBodyIsClosedAtTheHandshakeDeadlineFromItsHead() throws Exception {
        accept();
        advance(Duration.ofSeconds(5));
        send("POST /api/publish HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
        for (int i = 0; i < 9; i++) {
            advance(Duration.ofSeconds(1));
            send("\"");
            assertThat(channel.isOpen()).isTrue();
        }
        advance(Duration.ofSeconds(1));

        assertThat(channel.isOpen()).isFalse();
        assertThat(failures.count(Reason.BODY_TIMEOUT)).isEqualTo(1);
        assertThat(failures.count(Reason.CLOSED_MID_BODY)).as("the guard's own close is not counted twice").isZero();
    }

    @Test
    void aPeerThatClosesMidBodyIsCounted() throws Exception {
        accept();
        send("POST /api/publish HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
        channel.close();
        assertThat(failures.count(Reason.CLOSED_MID_BODY)).isEqualTo(1);
        assertThat(failures.count(Reason.BODY_TIMEOUT)).isZero();
    }

    @Test
    void aBodyThatArrivesInTimeIsNotCut() throws Exception {
        accept();
        send("POST /api/publish HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{");
        advance(HANDSHAKE.minusSeconds(1));
        send("}");
        advance(HANDSHAKE.multipliedBy(2));
        assertThat(channel.isOpen()).isTrue();
        respond(HttpResponseStatus.OK);
        assertThat(failures.count(Reason.BODY_TIMEOUT)).isZero();
    }

    @Test
    void aSecondAddressAtItsCapIsRefusedWhileOthersAreNot() {
        PendingHandshakes capped = new PendingHandshakes(2);
        java.net.InetAddress a = java.net.InetAddress.getLoopbackAddress();
        assertThat(capped.tryEnter(a)).isTrue();
        assertThat(capped.tryEnter(a)).isTrue();
        assertThat(capped.tryEnter(a)).isFalse();
        assertThat(capped.pending()).isEqualTo(2);
        capped.leave(a);
        assertThat(capped.tryEnter(a)).isTrue();
        capped.leave(a);
        capped.leave(a);
        assertThat(capped.pending()).isZero();
        assertThat(capped.trackedAddresses()).as("no entry is kept for an address without a pending handshake").isZero();
    }

    static String drain(EmbeddedChannel channel) {
        StringBuilder out = new StringBuilder();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }
}
