package org.pushgate.gateway.publish.centrifugo;

import org.pushgate.gateway.broker.HistoryPolicy;
import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.publish.Publisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Wires Centrifugo's server API on {@code /centrifugo/api} (guarded like {@code /api} by the access filter, which
 * also takes Centrifugo's {@code X-API-Key} and {@code Authorization: apikey} there).
 */
@Configuration(proxyBeanMethods = false)
class CentrifugoApiConfiguration {

    static final String PATH = "/centrifugo/api";

    @Bean
    CentrifugoApi centrifugoApi(Publisher publisher, GatewayProperties properties) {
        return new CentrifugoApi(publisher, new ServerCommands(publisher, HistoryPolicy.of(properties.history())));
    }

    @Bean
    RouterFunction<ServerResponse> centrifugoApiRoutes(CentrifugoApi api) {
        return RouterFunctions.route()
                .route(RequestPredicates.path(PATH), api::commands)
                .route(RequestPredicates.path(PATH + "/{method}"), api::method)
                .build();
    }
}
