package org.pushgate.gateway.publish;

import java.util.Arrays;

import org.pushgate.gateway.auth.ApiAccessFilter;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.broker.Published;
import org.pushgate.gateway.broker.StreamPosition;
import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.protocol.ChannelNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.adapter.ForwardedHeaderTransformer;

import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wires the HTTP publish API: the shared {@link Publisher}, pushgate's dialect of it on {@code /api}, and
 * {@code POST /api/publish} in front of WebFlux ({@link PublishEndpoint}).
 */
@Configuration(proxyBeanMethods = false)
class PublishConfiguration {

    private static final Logger log = LoggerFactory.getLogger(PublishConfiguration.class);

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

    /**
     * Installs {@link PublishEndpoint} unless something would make WebFlux answer differently: a
     * {@link ForwardedHeaderTransformer} (server.forward-headers-strategy=framework) rewrites the client's address,
     * which the loopback-only access rule reads, only inside WebFlux; and an application JSON mapper configured to
     * write the success answer otherwise (spring.jackson.*, e.g. indentation) than {@link PublishAnswer} does. Then
     * the WebFlux route serves {@code POST /api/publish}, as it does every other spelling of the path.
     */
    @Bean
    PublishEndpoint.Installer publishEndpoint(ApiAccessFilter access, Publisher publisher, MeterRegistry registry,
                                                    ObjectProvider<ForwardedHeaderTransformer> forwarded,
                                                    ObjectProvider<JsonMapper> json) {
        String why = forwarded.getIfAvailable() != null ? "a ForwardedHeaderTransformer rewrites requests inside WebFlux"
                : encodesOtherwise(json.getIfUnique()) ? "the application's JSON mapper writes the answer otherwise"
                : null;
        if (why != null) {
            log.info("POST {} is served by WebFlux: {}", PublishEndpoint.PATH, why);
        }
        return new PublishEndpoint.Installer(access, publisher, registry, why == null);
    }

    private static boolean encodesOtherwise(JsonMapper mapper) {
        if (mapper == null) {
            return false;
        }
        Published sample = new Published(new StreamPosition(42, "16bv88vmqtz8p"), 7);
        return !Arrays.equals(mapper.writeValueAsBytes(PublishAnswer.map(sample)), PublishAnswer.of(sample));
    }
}
