package org.pushgate.gateway.it.browser;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.LeakGuard;
import org.pushgate.gateway.it.support.RunningGateway;

/**
 * A page in Debian's Chromium with a native {@code EventSource} on {@code /sse} and no client code gets the missed
 * messages back through the browser's own reconnect (Last-Event-ID): after a slow-consumer cut (through a
 * freezable proxy), after a restart with the Redis broker; with the embedded engine a restart answers
 * {@code not_recovered}. The page checks the offsets; screenshots go to {@code target/browser-screenshots}. See
 * js/browser/sse.browser.mjs.
 */
@ExtendWith(LeakGuard.class)
@Timeout(600)
class SseBrowserTest {

    @Test
    void theEventSourceRecoversWhatItMissedAcrossASlowConsumerCut() {
        try (RunningGateway gateway = RunningGateway.start(BrowserScenarios.CUTS)) {
            GatewayProbe probe = gateway.probe();

            String output = BrowserScenarios.run("sse.browser.mjs", "cut", ClientBrowserTest.url(probe));

            assertThat(output).contains("after the slow-consumer cut, through Last-Event-ID: 8 messages");
            assertThat(probe.disconnects("slow_consumer")).isPositive();
        }
    }

    @Test
    void theEventSourceRecoversAcrossARestartWithRedis() {
        String output = BrowserScenarios.restartingRedis("sse.browser.mjs", "restart-redis");

        assertThat(output).contains("after the restart, through Last-Event-ID: 6 messages");
    }

    @Test
    void aRestartWithTheEmbeddedEngineAnswersNotRecovered() {
        String output = BrowserScenarios.restartingMemory("sse.browser.mjs", "restart-memory");

        assertThat(output).contains("told: not_recovered");
    }
}
