package org.pushgate.gateway.publish;

import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.protocol.ChannelNames;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Wires the HTTP publish API: the shared {@link Publisher} and pushgate's dialect of it on {@code /api}. */
@Configuration(proxyBeanMethods = false)
class PublishConfiguration {

    @Bean
    Publisher publisher(Broker broker, ChannelNames channelNames, GatewayProperties properties) {
        return new Publisher(broker, channelNames, properties.limits().maxPublishBytes(),
                properties.limits().maxBroadcastChannels(), Math.max(1, properties.history().maxRecovered()));
    }

    @Bean
    PublishApi publishApi(Publisher publisher) {
        return new PublishApi(publisher);
    }

    @Bean
    RouterFunction<ServerResponse> publishRoutes(PublishApi api) {
        return RouterFunctions.route()
                .POST("/api/publish", api::publish)
                .POST("/api/broadcast", api::broadcast)
                .GET("/api/history", api::history)
                .build();
    }
}
