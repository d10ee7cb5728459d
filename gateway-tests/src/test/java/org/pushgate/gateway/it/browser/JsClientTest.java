package org.pushgate.gateway.it.browser;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pushgate.gateway.it.support.LeakGuard;
import org.pushgate.gateway.it.support.NodeScript;
import org.pushgate.gateway.it.support.RunningGateway;
import org.pushgate.gateway.redis.RedisServer;

/**
 * The JavaScript client's own tests ({@code js/client/pushgate.test.mjs}, Node's test runner with the {@code ws}
 * package as its WebSocket) against a real gateway: jwt mode (tokens signed in the script), {@code tiny:} channels
 * keeping 2 messages (so a reconnect can fail to recover), heartbeats every 200 ms (for the client's liveness), no
 * clock skew (so a token that is not refreshed really ends the connection). And, on the Redis broker, what the
 * client does with {@code insufficient_state} (js/client/insufficient-state.test.mjs).
 */
@ExtendWith(LeakGuard.class)
@Timeout(180)
class JsClientTest {

    static final String SECRET = "js-client-secret-5d1c9e0b7a3f4e2d8c6b0a9f1e3d5c7b";

    private static RunningGateway gateway;

    @BeforeAll
    static void start() {
        gateway = RunningGateway.start(
                "gateway.auth.mode=jwt",
                "gateway.auth.jwt.secret=" + SECRET,
                "gateway.auth.jwt.clock-skew=0s",
                "gateway.auth.default-access=authenticated",
                "gateway.history.namespaces.tiny.size=2",
                "gateway.heartbeat.interval=200ms");
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void theClientPassesItsNodeTestsAgainstTheGateway() {
        String output = NodeScript.nodeTest("client/pushgate.test.mjs")
                .env("GATEWAY", "http://127.0.0.1:" + gateway.probe().port())
                .env("SECRET", SECRET)
                .timeout(Duration.ofMinutes(2))
                .run();
        System.out.println(output);
    }

    @Test
    void theClientResubscribesWithSinceAfterInsufficientState() {
        try (RedisServer redis = RedisServer.start();
             RunningGateway onRedis = RunningGateway.start(BrowserScenarios.redis(redis.uri()));
             ControlServer control = new ControlServer(Map.of("redis-restart", () -> {
                 redis.kill();
                 redis.restart();
             }))) {
            String output = NodeScript.nodeTest("client/insufficient-state.test.mjs")
                    .env("GATEWAY", "http://127.0.0.1:" + onRedis.probe().port())
                    .env("CONTROL", control.url())
                    .timeout(Duration.ofMinutes(2))
                    .run();
            System.out.println(output);
        }
    }
}
