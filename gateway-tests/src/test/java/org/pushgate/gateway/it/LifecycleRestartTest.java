package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.LeakGuard;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.pushgate.gateway.it.support.RunningGateway;

/**
 * A stop and start of the application context (Spring's Lifecycle contract: ConfigurableApplicationContext
 * stop()/start(), CRaC checkpoint/restore, the TestContext framework pausing a cached context) must leave a
 * gateway that accepts connections again.
 */
@ExtendWith(LeakGuard.class)
class LifecycleRestartTest {
    @Test
    void givenAStoppedAndRestartedContext_thenTheGatewayAcceptsConnectionsAgain() throws Exception {
        try (RunningGateway gateway = RunningGateway.start()) {
            gateway.context().stop();
            gateway.context().start();
            GatewayProbe probe = GatewayProbe.of(gateway.context()); // a restarted server listens on a new port

            RawWebSocket ws = RawWebSocket.connect(probe.port(), GatewayProbe.wsPath("channel=again"));

            assertThat(ws.handshake().status()).as(ws.handshake().toString()).isEqualTo(101);
            assertThat(Json.text(Json.parse(ws.readFrame(Duration.ofSeconds(5)).text()), "op")).isEqualTo("subscribed");
            ws.sendClose(1000);
            ws.readUntilClosed(Duration.ofSeconds(5));
            ws.close();
        }
    }
}
