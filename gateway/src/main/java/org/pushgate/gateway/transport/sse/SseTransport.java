package org.pushgate.gateway.transport.sse;

import java.util.regex.Pattern;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.auth.ClientAuth;
import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.connection.ConnectionPipeline;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import reactor.netty.http.server.logging.AccessLog;

/**
 * Wires the Server-Sent Events endpoint {@code /sse} in front of WebFlux, and Reactor Netty's access log with
 * {@code token} query parameters masked.
 */
@Configuration(proxyBeanMethods = false)
public class SseTransport {

    /** Reactor Netty's own switch for its access log (off by default); we keep it and only change the format. */
    static final String ACCESS_LOG_PROPERTY = "reactor.netty.http.server.accessLogEnabled";
    private static final Pattern TOKEN_PARAMETER = Pattern.compile("([?&]token=)[^&#]*");

    @Bean
    WebHttpHandlerBuilderCustomizer sseEndpoint(GatewayProperties properties, Admission admission,
                                                ConnectionPipeline connections, GatewayMetrics metrics, ClientAuth auth) {
        return builder -> builder.httpHandlerDecorator(next -> new SseEndpoint(next, admission, connections, metrics,
                auth, properties.allowedOrigins(), properties.limits().maxSubscriptionsPerConnection()));
    }

    /**
     * Reactor Netty's access log, when it is switched on, in its default (Common Log) format but with the value of
     * every {@code token} parameter replaced by {@code ***}: a browser's EventSource can only send its token in the
     * URL, and the URL is what an access log writes.
     */
    @Bean
    NettyServerCustomizer maskedAccessLog() {
        return server -> server.accessLog(Boolean.getBoolean(ACCESS_LOG_PROPERTY), log -> AccessLog.create(
                "{} - {} [{}] \"{} {} {}\" {} {} {}",
                log.remoteAddress() instanceof java.net.InetSocketAddress inet ? inet.getHostString() : "-",
                log.user() == null ? "-" : log.user(), log.zonedDateTime(), log.method(), masked(log.uri()),
                log.protocol(), log.status(), log.contentLength() > -1 ? log.contentLength() : "-", log.duration()));
    }

    static String masked(CharSequence uri) {
        return uri == null ? "-" : TOKEN_PARAMETER.matcher(uri).replaceAll("$1***");
    }
}
