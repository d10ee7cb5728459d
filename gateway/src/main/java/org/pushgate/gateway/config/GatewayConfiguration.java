package org.pushgate.gateway.config;

import java.time.Duration;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.admission.ConnectionLimit;
import org.pushgate.gateway.admission.ConnectionRate;
import org.pushgate.gateway.auth.ApiAccessFilter;
import org.pushgate.gateway.auth.AuthMode;
import org.pushgate.gateway.auth.ChannelPolicy;
import org.pushgate.gateway.auth.JwtTokenVerifier;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.broker.LocalBroker;
import org.pushgate.gateway.connection.ConnectionAuth;
import org.pushgate.gateway.connection.ConnectionHandler;
import org.pushgate.gateway.connection.ConnectionRegistry;
import org.pushgate.gateway.connection.ConnectionSettings;
import org.pushgate.gateway.connection.GracefulShutdown;
import org.pushgate.gateway.diagnostics.AdminApi;
import org.pushgate.gateway.diagnostics.ConnectionAuditor;
import org.pushgate.gateway.hub.Hub;
import org.pushgate.gateway.hub.LocalHub;
import org.pushgate.gateway.metrics.GatewayMeter;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.protocol.CommandDecoder;
import org.pushgate.gateway.publish.PublishApi;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Builds the gateway's components from {@link GatewayProperties}; the only place that knows them all. */
@Configuration(proxyBeanMethods = false)
public class GatewayConfiguration {

    @Bean
    GatewayMetrics gatewayMetrics(MeterRegistry registry) {
        return new GatewayMetrics(registry);
    }

    @Bean
    Hub hub(GatewayMetrics metrics) {
        return new LocalHub(metrics);
    }

    @Bean
    Broker broker(Hub hub) {
        return new LocalBroker(hub);
    }

    @Bean
    ChannelNames channelNames(GatewayProperties properties) {
        return new ChannelNames(properties.limits().maxChannelNameLength());
    }

    @Bean
    ConnectionRegistry connectionRegistry() {
        return new ConnectionRegistry();
    }

    @Bean
    Admission admission(GatewayProperties properties) {
        GatewayProperties.Limits limits = properties.limits();
        int max = ConnectionLimit.resolve(limits.maxConnections(), ConnectionLimit.openFileLimit(),
                limits.reservedFileDescriptors());
        ConnectionRate rate = limits.connectionsPerSecondPerAddress() > 0
                ? new ConnectionRate(limits.connectionsPerSecondPerAddress(), System::nanoTime) : null;
        return new Admission(max, limits.maxConnectionsPerAddress(), rate);
    }

    /** Per-connection timers run here: parallel workers, never an I/O thread, never blocking. */
    @Bean
    Scheduler connectionTimers() {
        return Schedulers.parallel();
    }

    @Bean
    ConnectionHandler connectionHandler(Hub hub, ConnectionRegistry registry, GatewayProperties properties,
                                        ChannelNames channelNames, Scheduler connectionTimers, GatewayMetrics metrics) {
        ConnectionSettings settings = new ConnectionSettings(
                properties.heartbeat().interval(),
                properties.liveness().interval(),
                properties.liveness().timeout(),
                properties.outbound().bufferSize(),
                properties.outbound().overflow(),
                properties.limits().maxSubscriptionsPerConnection(),
                properties.limits().commandsPerSecond(),
                properties.limits().commandBurst(),
                properties.limits().rateLimitViolations());
        GatewayProperties.Auth auth = properties.auth();
        ConnectionAuth connectionAuth = auth.mode() == AuthMode.JWT
                ? new ConnectionAuth(AuthMode.JWT, new JwtTokenVerifier(auth.jwt()),
                        new ChannelPolicy(auth.namespaces(), auth.defaultAccess()), auth.connectTimeout(),
                        auth.jwt().clockSkew())
                : ConnectionAuth.none();
        return new ConnectionHandler(hub, registry, settings, connectionAuth,
                new CommandDecoder(channelNames, properties.limits().maxFrameBytes(), properties.limits().maxTokenBytes()),
                connectionTimers, metrics, metrics);
    }

    @Bean
    GracefulShutdown gracefulShutdown(Admission admission, ConnectionRegistry registry, GatewayProperties properties,
                                      Scheduler connectionTimers) {
        Duration grace = properties.shutdown().grace();
        return new GracefulShutdown(admission, registry, grace, connectionTimers);
    }

    @Bean
    SmartInitializingSingleton gatewayGauges(GatewayMetrics metrics, ConnectionRegistry registry, Hub hub, Admission admission) {
        return () -> registerGauges(metrics, registry, hub, admission);
    }

    private static void registerGauges(GatewayMetrics metrics, ConnectionRegistry registry, Hub hub, Admission admission) {
        metrics.gauge(GatewayMeter.CONNECTIONS_ACTIVE, registry::size);
        metrics.gauge(GatewayMeter.SUBSCRIPTIONS_ACTIVE, hub::subscriptionCount);
        metrics.gauge(GatewayMeter.CHANNELS_ACTIVE, hub::channelCount);
        metrics.gauge(GatewayMeter.TIMERS_ACTIVE, registry::activeTimers);
        metrics.gauge(GatewayMeter.CONNECTION_LIMIT, admission::maxConnections);
    }

    @Bean
    ConnectionAuditor connectionAuditor(Hub hub, ConnectionRegistry registry, ConnectionHandler connections,
                                        Scheduler connectionTimers, GatewayProperties properties, GatewayMetrics metrics) {
        return new ConnectionAuditor(hub, registry, connections, connectionTimers, properties.audit().interval(), metrics);
    }

    @Bean
    AdminApi adminApi(ConnectionRegistry registry, Hub hub, Admission admission, ConnectionAuditor auditor,
                      GatewayProperties properties) {
        return new AdminApi(registry, hub, admission, auditor, properties.liveness().timeout());
    }

    @Bean
    RouterFunction<ServerResponse> adminRoutes(AdminApi api) {
        return RouterFunctions.route()
                .GET("/admin/connections", api::connections)
                .GET("/admin/channels", api::channels)
                .POST("/admin/sweep", api::sweep)
                .POST("/admin/audit", api::audit)
                .build();
    }

    @Bean
    PublishApi publishApi(Broker broker, ChannelNames channelNames, GatewayProperties properties) {
        return new PublishApi(broker, channelNames, properties.limits().maxPublishBytes(),
                properties.limits().maxBroadcastChannels());
    }

    @Bean
    RouterFunction<ServerResponse> publishRoutes(PublishApi api) {
        return RouterFunctions.route()
                .POST("/api/publish", api::publish)
                .POST("/api/broadcast", api::broadcast)
                .build();
    }

    @Bean
    @Order(-100)
    ApiAccessFilter apiAccessFilter(GatewayProperties properties) {
        GatewayProperties.Api api = properties.api();
        return new ApiAccessFilter(api.key(), api.jwt().configured() ? new JwtTokenVerifier(api.jwt()) : null);
    }
}
