package org.pushgate.load.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;

import org.junit.jupiter.api.Test;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;

class FailureCauseTest {

    @Test
    void a503UpgradeIsARejectionNotAnError() {
        DefaultFullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SERVICE_UNAVAILABLE);
        try {
            assertThat(FailureCause.of(new WebSocketClientHandshakeException("Invalid handshake response", resp)))
                    .isEqualTo(FailureCause.REJECTED_503);
            DefaultFullHttpResponse forbidden = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FORBIDDEN);
            assertThat(FailureCause.of(new WebSocketClientHandshakeException("Invalid handshake response", forbidden)))
                    .isEqualTo("http_403");
            forbidden.release();
        }
        finally {
            resp.release();
        }
        assertThat(FailureCause.of(new WebSocketClientHandshakeException("Invalid handshake response getStatus: 503 Service Unavailable")))
                .isEqualTo(FailureCause.REJECTED_503);
    }

    @Test
    void namesTheGeneratorSideLimits() {
        assertThat(FailureCause.of(new IOException("bind(..) failed: Cannot assign requested address"))).isEqualTo("no_ephemeral_port");
        assertThat(FailureCause.of(new IOException("accept(..) failed: Too many open files"))).isEqualTo("fd_limit");
        assertThat(FailureCause.of(new ConnectException("connect(..) failed: Connection refused"))).isEqualTo("connect_refused");
        assertThat(FailureCause.of(new ConnectTimeoutException("connection timed out"))).isEqualTo("timeout");
        assertThat(FailureCause.of(new RuntimeException("wrapped", new IOException("Connection reset by peer")))).isEqualTo("reset");
        assertThat(FailureCause.of(new IllegalStateException("???"))).isEqualTo("other:IllegalStateException");
    }
}
