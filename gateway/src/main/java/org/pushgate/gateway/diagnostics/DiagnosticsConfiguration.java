package org.pushgate.gateway.diagnostics;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.broker.BrokerSubscriptions;
import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.connection.ConnectionRegistry;
import org.pushgate.gateway.hub.Hub;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.scheduler.Scheduler;

/** Wires the orphan auditor, the admin endpoints and the admin page. */
@Configuration(proxyBeanMethods = false)
class DiagnosticsConfiguration {

    @Bean
    ConnectionAuditor connectionAuditor(Hub hub, Broker broker, ConnectionRegistry registry, Scheduler connectionTimers,
                                        GatewayProperties properties, GatewayMetrics metrics) {
        // The Redis broker holds node subscriptions to reconcile; the memory engine has none.
        BrokerSubscriptions held = broker instanceof BrokerSubscriptions subscriptions ? subscriptions : BrokerSubscriptions.NONE;
        return new ConnectionAuditor(hub, held, registry, connectionTimers, properties.audit().interval(), metrics);
    }

    @Bean
    AdminApi adminApi(ConnectionRegistry registry, Hub hub, Admission admission, ConnectionAuditor auditor,
                      GatewayProperties properties, GatewayMetrics metrics) {
        return new AdminApi(registry, hub, admission, auditor, properties.liveness().timeout(), metrics);
    }

    @Bean
    RouterFunction<ServerResponse> adminRoutes(AdminApi api) {
        return RouterFunctions.route()
                .GET("/admin/connections", api::connections)
                .GET("/admin/channels", api::channels)
                .GET("/admin/stats", api::stats)
                .POST("/admin/sweep", api::sweep)
                .POST("/admin/audit", api::audit)
                .POST("/admin/close", api::close)
                // A parameter that is not an integer: the API's own 400 body, not Spring's default error page.
                // (Deferred: the handlers read their parameters before they return a Mono, and throw from there.)
                .filter((request, next) -> reactor.core.publisher.Mono.defer(() -> next.handle(request))
                        .onErrorResume(org.pushgate.gateway.web.RejectedRequest.class,
                                org.pushgate.gateway.web.RejectedRequest::respond))
                .build();
    }

    @Bean
    RouterFunction<ServerResponse> adminUiRoutes() {
        return new AdminUi().routes();
    }
}
