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
import org.springframework.core.env.Environment;
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
    PublishTimers publishTimers(MeterRegistry registry) {
        return new PublishTimers(registry);
    }

    @Bean
    PublishEndpoint.Installer publishEndpoint(ApiAccessFilter access, Publisher publisher, PublishTimers timers,
                                              ObjectProvider<ForwardedHeaderTransformer> forwarded,
                                              ObjectProvider<JsonMapper> json) {
        String why = webFluxOnly(forwarded, json);
        if (why != null) {
            log.info("POST {} is served by WebFlux: {}", PublishEndpoint.PATH, why);
        }
        return new PublishEndpoint.Installer(access, publisher, timers, why == null);
    }

    /**
     * Installs {@link DirectPublish} where {@link PublishEndpoint} is installed, unless Reactor Netty would do
     * something to a request or an answer that the handler, below it, would skip: compress answers
     * (server.compression.enabled), count requests per socket (server.netty.max-keep-alive-requests), time idle
     * sockets itself (server.netty.idle-timeout; gateway.limits.http-idle-timeout is the edge's and applies
     * either way), log each request (reactor.netty.http.server.accessLogEnabled), or speak HTTP/2
     * (server.http2.enabled). Then PublishEndpoint serves every publish.
     */
    @Bean
    DirectPublish.Installer directPublish(ApiAccessFilter access, Publisher publisher, PublishTimers timers,
                                          ObjectProvider<ForwardedHeaderTransformer> forwarded,
                                          ObjectProvider<JsonMapper> json, Environment environment) {
        String why = webFluxOnly(forwarded, json);
        if (why == null) {
            why = environment.getProperty("server.compression.enabled", Boolean.class, false) ? "server.compression.enabled"
                    : environment.getProperty("server.http2.enabled", Boolean.class, false) ? "server.http2.enabled"
                    : environment.containsProperty("server.netty.idle-timeout") ? "server.netty.idle-timeout is set"
                    : environment.containsProperty("server.netty.max-keep-alive-requests")
                            ? "server.netty.max-keep-alive-requests is set"
                    : Boolean.getBoolean("reactor.netty.http.server.accessLogEnabled") ? "the access log is on"
                    : null;
            if (why != null) {
                log.info("POST {} is served above Reactor Netty, not on the socket: {}", PublishEndpoint.PATH, why);
            }
        }
        return new DirectPublish.Installer(access, publisher, timers, why == null);
    }

    /** Why WebFlux, not the gateway in front of it, serves {@code POST /api/publish}; null when nothing does. */
    private static String webFluxOnly(ObjectProvider<ForwardedHeaderTransformer> forwarded,
                                      ObjectProvider<JsonMapper> json) {
        return forwarded.getIfAvailable() != null ? "a ForwardedHeaderTransformer rewrites requests inside WebFlux"
                : encodesOtherwise(json.getIfUnique()) ? "the application's JSON mapper writes the answer otherwise"
                : null;
    }

    private static boolean encodesOtherwise(JsonMapper mapper) {
        if (mapper == null) {
            return false;
        }
        Published sample = new Published(new StreamPosition(42, "16bv88vmqtz8p"), 7);
        return !Arrays.equals(mapper.writeValueAsBytes(PublishAnswer.map(sample)), PublishAnswer.of(sample));
    }
}
