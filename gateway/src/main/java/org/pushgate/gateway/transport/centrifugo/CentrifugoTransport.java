package org.pushgate.gateway.transport.centrifugo;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.connection.ConnectionPipeline;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.transport.WebSocketTransport;
import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires {@code /connection/websocket}, Centrifugo's JSON client protocol, as a WebSocket endpoint beside {@code /ws}:
 * the same edge and connection pipeline, another codec.
 */
@Configuration(proxyBeanMethods = false)
public class CentrifugoTransport {

    static final String PATH = "/connection/websocket";

    @Bean
    WebHttpHandlerBuilderCustomizer centrifugoEndpoint(GatewayProperties properties, Admission admission,
                                                       ConnectionPipeline connections, GatewayMetrics metrics,
                                                       ChannelNames channelNames) {
        GatewayProperties.Limits limits = properties.limits();
        // A frame holds the connect and every subscribe of a reconnect: room for all the subscriptions allowed.
        int commandsPerFrame = limits.maxSubscriptionsPerConnection() + 16;
        CentrifugoCommands commands = new CentrifugoCommands(channelNames, limits.maxFrameBytes(), limits.maxTokenBytes(),
                commandsPerFrame);
        long pingSeconds = (properties.liveness().interval().toMillis() + 999) / 1000;
        CentrifugoProtocol protocol = new CentrifugoProtocol(commands, pingSeconds);
        return WebSocketTransport.endpoint(PATH, protocol, CentrifugoSocket::new, properties, admission, connections,
                metrics);
    }
}
