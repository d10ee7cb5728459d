package org.pushgate.gateway.it.browser;

import java.nio.file.Path;
import java.time.Duration;

import org.pushgate.gateway.it.support.NodeScript;
import org.pushgate.gateway.it.support.RunningGateway;
import org.pushgate.gateway.redis.RedisServer;

/** The gateways and the Node side of the real-browser tests (js/browser/*.browser.mjs with Debian's Chromium). */
final class BrowserScenarios {

    /**
     * A gateway whose cuts a test can cause through a frozen proxy: the liveness probe a ping every 2 s, 2 s to
     * answer (a frozen link is cut within ~4 s, while a slow-consumer cut, which takes a second of 1 MB publishes,
     * comes first); publishes up to 2 MB; {@code filler:} channels keep no history.
     */
    static final String[] CUTS = {
            "gateway.liveness.interval=2s",
            "gateway.liveness.timeout=2s",
            "gateway.limits.max-publish-bytes=2000000",
            "gateway.history.namespaces.filler.size=0",
    };

    /** Screenshots of every scenario, kept with the build's output. */
    static final Path SCREENSHOTS = Path.of("target", "browser-screenshots").toAbsolutePath();

    private BrowserScenarios() {
    }

    static String[] redis(String uri) {
        return new String[] {
                "gateway.broker.type=redis",
                "gateway.broker.redis.uris=" + uri,
                "gateway.broker.redis.timeout=2s",
                "gateway.broker.redis.reconnect-max-delay=200ms",
        };
    }

    /** The scenario against a gateway with the embedded engine that it stops and starts (CONTROL). */
    static String restartingMemory(String script, String scenario) {
        try (RestartableGateway gateway = RestartableGateway.start()) {
            return run(script, scenario, gateway.url(), "CONTROL", gateway.controlUrl());
        }
    }

    /**
     * The scenario against a gateway on Redis that it stops and starts (CONTROL), with another node on the same
     * Redis to publish while that gateway is down (PUBLISHER).
     */
    static String restartingRedis(String script, String scenario) {
        try (RedisServer redis = RedisServer.start();
             RunningGateway publisher = RunningGateway.start(redis(redis.uri()));
             RestartableGateway gateway = RestartableGateway.start(redis(redis.uri()))) {
            return run(script, scenario, gateway.url(), "CONTROL", gateway.controlUrl(),
                    "PUBLISHER", "http://127.0.0.1:" + publisher.probe().port());
        }
    }

    /** {@code node browser/<script> <scenario>} against {@code gateway}; fails with the script's output. */
    static String run(String script, String scenario, String gateway, String... env) {
        NodeScript node = NodeScript.node("browser/" + script, scenario)
                .env("GATEWAY", gateway)
                .env("SCREENSHOTS", SCREENSHOTS)
                .timeout(Duration.ofMinutes(6));
        for (int i = 0; i + 1 < env.length; i += 2) {
            node.env(env[i], env[i + 1]);
        }
        String output = node.run();
        System.out.println(output);
        return output;
    }
}
