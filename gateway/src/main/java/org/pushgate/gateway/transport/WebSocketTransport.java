package org.pushgate.gateway.transport;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.connection.ConnectionPipeline;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the WebSocket endpoint {@code /ws} in front of WebFlux. */
@Configuration(proxyBeanMethods = false)
public class WebSocketTransport {

    @Bean
    WebHttpHandlerBuilderCustomizer webSocketEndpoint(GatewayProperties properties, Admission admission,
                                                      ConnectionPipeline connections, GatewayMetrics metrics) {
        return builder -> builder.httpHandlerDecorator(next -> new WebSocketEndpoint(next, admission, connections, metrics,
                properties.allowedOrigins(), properties.limits().maxFrameBytes(),
                properties.limits().handshakeTimeout()));
    }
}
