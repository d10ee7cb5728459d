package org.pushgate.gateway.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.EventLoop;
import reactor.core.Disposable;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * A close cancelled while the socket's event loop lags (our liveness timeout on a peer that does not take the close
 * frame) must not free the close frame under a write still queued on the loop: Netty then logged "Failed to release a
 * message: CloseWebSocketFrame(freed)" with a stack trace for every connection closed (docs/benchmarks.md, gateway
 * issue 8). A real Reactor Netty server and client on loopback.
 */
class NettyWebSocketCloseTest {

    private final ListAppender<ILoggingEvent> netty = new ListAppender<>();
    private final Logger nettyLog = (Logger) LoggerFactory.getLogger("io.netty");
    private DisposableServer server;
    private Disposable client;

    @BeforeEach
    void captureNettyLog() {
        netty.start();
        nettyLog.addAppender(netty);
    }

    @AfterEach
    void stop() {
        nettyLog.detachAppender(netty);
        if (client != null) {
            client.dispose();
        }
        if (server != null) {
            server.disposeNow(Duration.ofSeconds(5));
        }
    }

    @Test
    void aCloseCancelledWhileTheLoopLagsFreesNoFrameUnderAQueuedWrite() throws Exception {
        CompletableFuture<NettyWebSocket> accepted = new CompletableFuture<>();
        server = HttpServer.create().host("127.0.0.1").port(0)
                .route(routes -> routes.ws("/t", (in, out) -> {
                    in.withConnection(c -> accepted.complete(new NettyWebSocket(in, out, ((Connection) in).channel(),
                            "127.0.0.1", List.of(), List.of(), null, 65536)));
                    return out.neverComplete();
                }))
                .bindNow();
        client = HttpClient.create().websocket().uri("ws://127.0.0.1:" + server.port() + "/t")
                .handle((in, out) -> in.receive().then())
                .subscribe();
        NettyWebSocket socket = accepted.get(10, TimeUnit.SECONDS);
        EventLoop loop = (EventLoop) socket.executor();

        for (int i = 0; i < 5; i++) {
            // The loop lags: a task busy for 200 ms (a spin, not a sleep: BlockHound watches the loop).
            loop.execute(() -> {
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            });
            Disposable close = socket.close(4000, "liveness timeout").subscribe(null, error -> { });
            close.dispose(); // cancelled before the lagging loop got to it
            loop.submit(() -> { }).get(10, TimeUnit.SECONDS);
        }

        assertThat(netty.list)
                .as("Netty's log while closes were cancelled on a lagging loop")
                .noneMatch(event -> event.getFormattedMessage().contains("Failed to release")
                        || (event.getThrowableProxy() != null
                            && event.getThrowableProxy().getClassName().contains("IllegalReferenceCount")));
    }
}
