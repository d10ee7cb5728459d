package org.pushgate.gateway.transport;

import java.util.Map;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.connection.ConnectionHandler;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.reactive.socket.server.support.WebSocketHandlerAdapter;
import org.springframework.web.reactive.socket.server.upgrade.ReactorNettyRequestUpgradeStrategy;

import reactor.core.publisher.Mono;
import reactor.netty.http.server.WebsocketServerSpec;

/** Wires the WebSocket endpoint {@code /ws}: handshake limits, admission, and the connection pipeline. */
@Configuration(proxyBeanMethods = false)
public class WebSocketTransport {

    /** Placeholder handler for the mapping; {@link AdmittingWebSocketService} runs the real pipeline. */
    static final WebSocketHandler ENDPOINT = session -> Mono.error(new IllegalStateException("not served by the admitting service"));

    @Bean
    HandlerMapping webSocketMapping() {
        SimpleUrlHandlerMapping mapping = new SimpleUrlHandlerMapping(Map.of("/ws", ENDPOINT));
        mapping.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return mapping;
    }

    @Bean
    WebSocketHandlerAdapter webSocketHandlerAdapter(GatewayProperties properties, Admission admission,
                                                    ConnectionHandler connections, GatewayMetrics metrics) {
        int maxFrame = properties.limits().maxFrameBytes();
        ReactorNettyRequestUpgradeStrategy upgrade = new ReactorNettyRequestUpgradeStrategy(
                () -> WebsocketServerSpec.builder()
                        .maxFramePayloadLength(maxFrame)
                        .handlePing(false) // Reactor Netty answers pings itself
                        .compress(false));
        WebSocketHandlerAdapter adapter = new WebSocketHandlerAdapter(new AdmittingWebSocketService(
                new HandshakeWebSocketService(upgrade), admission, connections, metrics, properties.allowedOrigins()));
        adapter.setOrder(Ordered.HIGHEST_PRECEDENCE); // ahead of WebFlux's default adapter
        return adapter;
    }
}
