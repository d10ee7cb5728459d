package org.pushgate.gateway.it.browser;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.LeakGuard;
import org.pushgate.gateway.it.support.RunningGateway;

/**
 * A page in Debian's Chromium that imports {@code /client/pushgate.js} from the gateway receives messages and
 * survives server-side cuts, getting the missed messages back: the gateway's liveness cut and a slow-consumer cut
 * (through a freezable proxy), a restart with the Redis broker (recovered), a restart with the embedded engine
 * (the page is told: notRecovered), and the client's SSE fallback. The page itself checks the offsets (no gap, no
 * duplicate); screenshots go to {@code target/browser-screenshots}. See js/browser/client.browser.mjs.
 */
@ExtendWith(LeakGuard.class)
@Timeout(600)
class ClientBrowserTest {

    private static RunningGateway cuts;

    @BeforeAll
    static void start() {
        cuts = RunningGateway.start(BrowserScenarios.CUTS);
    }

    @AfterAll
    static void stop() {
        cuts.close();
    }

    static String url(GatewayProbe probe) {
        return "http://127.0.0.1:" + probe.port();
    }

    @Test
    void thePageRecoversWhatItMissedAcrossALivenessCutAndASlowConsumerCut() {
        GatewayProbe gateway = cuts.probe();
        double liveness = gateway.disconnects("liveness_timeout");
        double slow = gateway.disconnects("slow_consumer");

        String output = BrowserScenarios.run("client.browser.mjs", "cuts", url(gateway));

        assertThat(output).contains("after the liveness cut: 7 messages", "after the slow-consumer cut: 12 messages");
        assertThat(gateway.disconnects("liveness_timeout")).as("cut by the gateway's liveness probe").isGreaterThan(liveness);
        assertThat(gateway.disconnects("slow_consumer")).as("cut as a slow consumer").isGreaterThan(slow);
    }

    @Test
    void theClientFallsBackToServerSentEventsWhenToldAndRecoversThere() {
        String output = BrowserScenarios.run("client.browser.mjs", "sse-fallback", url(cuts.probe()));

        assertThat(output).contains("over SSE after the cut: 6 messages", "the new channel over SSE: 2 messages");
    }

    @Test
    void aRestartWithTheEmbeddedEngineTellsThePageItsChannelWasNotRecovered() {
        String output = BrowserScenarios.restartingMemory("client.browser.mjs", "restart-memory");

        assertThat(output).contains("told: not recovered");
    }

    @Test
    void aRestartWithRedisRecoversWhatAnotherNodePublishedMeanwhile() {
        String output = BrowserScenarios.restartingRedis("client.browser.mjs", "restart-redis");

        assertThat(output).contains("after the restart: 6 messages", "live after the restart: 8 messages");
    }
}
