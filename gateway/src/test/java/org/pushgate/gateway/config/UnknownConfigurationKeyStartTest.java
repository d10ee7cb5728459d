package org.pushgate.gateway.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pushgate.gateway.GatewayApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The real application, started as an operator starts it, refuses a misspelt key before anything runs. */
@ExtendWith(OutputCaptureExtension.class)
class UnknownConfigurationKeyStartTest {

    @Test
    void aMisspeltKeyStopsTheStartNamingItAndTheNearestKnownOne(CapturedOutput output) {
        assertThatThrownBy(() -> start("--server.port=0", "--gateway.heartbeat.intervall=5s"))
                .isInstanceOf(UnknownConfigurationKeyException.class);

        assertThat(output.getAll())
                .contains("APPLICATION FAILED TO START")
                .contains("unknown configuration key 'gateway.heartbeat.intervall'; did you mean 'gateway.heartbeat.interval'?")
                .doesNotContain("Netty started");
    }

    private static void start(String... args) {
        SpringApplication application = new SpringApplication(GatewayApplication.class);
        try (ConfigurableApplicationContext unexpected = application.run(args)) {
            throw new AssertionError("the gateway started: " + unexpected);
        }
    }
}
