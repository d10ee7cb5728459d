package org.pushgate.gateway.client;

import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the served JavaScript client ({@code /client/pushgate.js}) in front of WebFlux. */
@Configuration(proxyBeanMethods = false)
public class ClientConfiguration {

    @Bean
    WebHttpHandlerBuilderCustomizer clientScripts() {
        var scripts = ClientScripts.load(); // read at startup, off any event loop
        return builder -> builder.httpHandlerDecorator(next -> new ClientScripts(next, scripts));
    }
}
