package org.pushgate.gateway.transport;

import java.util.function.UnaryOperator;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.connection.ConnectionPipeline;
import org.pushgate.gateway.connection.ConnectionSocket;
import org.pushgate.gateway.protocol.ClientProtocol;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the WebSocket endpoint {@code /ws} in front of WebFlux. */
@Configuration(proxyBeanMethods = false)
public class WebSocketTransport {

    /**
     * A WebSocket endpoint at another path speaking another client protocol, with the same edge as {@code /ws}
     * (Origin check, admission, handshake deadline, frame limit) and the same connection pipeline.
     *
     * @param adapt wraps the WebSocket in that protocol's socket (its encoding of the frames, its close codes)
     */
    public static WebHttpHandlerBuilderCustomizer endpoint(String path, ClientProtocol protocol,
                                                           UnaryOperator<ConnectionSocket> adapt,
                                                           GatewayProperties properties, Admission admission,
                                                           ConnectionPipeline connections, GatewayMetrics metrics) {
        return builder -> builder.httpHandlerDecorator(next -> new WebSocketEndpoint(path, protocol, adapt, next,
                admission, connections, metrics, properties.allowedOrigins(), properties.limits().maxFrameBytes(),
                properties.limits().handshakeTimeout()));
    }

    @Bean
    WebHttpHandlerBuilderCustomizer webSocketEndpoint(GatewayProperties properties, Admission admission,
                                                      ConnectionPipeline connections, GatewayMetrics metrics) {
        return builder -> builder.httpHandlerDecorator(next -> new WebSocketEndpoint(next, admission, connections, metrics,
                properties.allowedOrigins(), properties.limits().maxFrameBytes(),
                properties.limits().handshakeTimeout()));
    }
}
