package org.pushgate.gateway.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The endpoint's handshake deadline: an admitted upgrade whose 101 never goes out (a peer that takes no bytes; here
 * a handler at the socket's end of the pipeline that never completes a write) must give its admission ticket back
 * at gateway.limits.handshake-timeout, while the socket is still open, so that stuck handshakes cannot hold the
 * connection slots. A real Reactor Netty server on loopback: the deadline is a task on the socket's event loop,
 * which has no virtual clock, so the timeout is short and the wait for it bounded.
 */
class WebSocketEndpointDeadlineTest {

    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(300);
    private static final String UPGRADE = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    private final Admission admission = new Admission(10, 0, null);
    private DisposableServer server;

    /** Takes every write and never completes it: the bytes never leave, as with a peer whose window stays shut. */
    private static final class Stall extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ReferenceCountUtil.release(msg);
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.disposeNow(Duration.ofSeconds(5));
        }
    }

    @Test
    void anUpgradeWhose101NeverGoesOutGivesItsTicketBackAtTheDeadline() throws Exception {
        WebSocketEndpoint endpoint = new WebSocketEndpoint((request, response) -> Mono.empty(), admission,
                null /* never reached: the upgrade does not complete */, new GatewayMetrics(new SimpleMeterRegistry()),
                List.of(), 65536, HANDSHAKE_TIMEOUT);
        server = HttpServer.create().host("127.0.0.1").port(0)
                .doOnChannelInit((observer, channel, address) -> channel.pipeline().addFirst("stall", new Stall()))
                .handle(new ReactorHttpHandlerAdapter(endpoint))
                .bindNow();

        try (Socket client = new Socket("127.0.0.1", server.port())) {
            OutputStream out = client.getOutputStream();
            out.write(UPGRADE.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();

            assertThat(waitFor(() -> admission.admitted() == 1, Duration.ofSeconds(5)))
                    .as("the upgrade was admitted and holds its slot").isTrue();
            assertThat(waitFor(() -> admission.admitted() == 0, Duration.ofSeconds(5)))
                    .as("the slot given back at the handshake deadline, the socket still open").isTrue();
            assertThat(client.isClosed()).isFalse();
        }
    }

    private static boolean waitFor(java.util.function.BooleanSupplier condition, Duration atMost) throws InterruptedException {
        long until = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
