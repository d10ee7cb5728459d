package org.pushgate.gateway.it.support;

import java.time.Duration;

import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * Event loops of its own for a gateway that a test stops. By default Spring Boot's {@link ReactorResourceFactory}
 * uses Reactor Netty's global resources and disposes them when its context closes, which would pull the loops
 * out from under every other gateway still running in this JVM (the shared, cached test contexts).
 * Deliberately not a {@code @Configuration}: the gateway's component scan covers this package, and only
 * {@link RunningGateway} should pick this class up (as an explicit source).
 */
class IsolatedNettyResources {

    @Bean
    ReactorResourceFactory reactorResourceFactory() {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        factory.setShutdownQuietPeriod(Duration.ZERO); // the test measures shutdown; no quiet period to wait out
        factory.setShutdownTimeout(Duration.ofSeconds(5));
        return factory;
    }
}
