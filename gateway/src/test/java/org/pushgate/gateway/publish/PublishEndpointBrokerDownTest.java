package org.pushgate.gateway.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.auth.ApiAccessFilter;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.broker.BrokerUnavailableException;
import org.pushgate.gateway.broker.History;
import org.pushgate.gateway.broker.Published;
import org.pushgate.gateway.protocol.ChannelNames;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.web.reactive.function.server.RouterFunctions;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import reactor.core.publisher.Mono;

/**
 * A broker that does not answer in time: the endpoint in front of WebFlux and the WebFlux route both answer 503
 * {@code broker_unavailable} with Retry-After, the same status, headers and bytes (a live gateway with the memory
 * engine cannot be made to fail so; PublishEndpointTest covers the rest on the wire).
 */
class PublishEndpointBrokerDownTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final Broker down = new Broker() {
        @Override
        public Mono<Published> publish(String channel, byte[] data) {
            return Mono.error(new BrokerUnavailableException("redis did not answer the publish in time", null));
        }

        @Override
        public Mono<History> history(String channel, long since, int limit) {
            return Mono.error(new BrokerUnavailableException("redis did not answer in time", null));
        }

        @Override
        public Mono<Void> forget(java.util.Collection<String> channels) {
            return Mono.error(new BrokerUnavailableException("redis did not answer in time", null));
        }
    };
    private final Publisher publisher = new Publisher(down, new ChannelNames(64), 1024, 3, 10);

    @Test
    void bothAnswer503WithRetryAfterAlike() {
        AtomicBoolean reachedWebFlux = new AtomicBoolean();
        HttpHandler route = RouterFunctions.toHttpHandler(new PublishConfiguration().publishRoutes(new PublishApi(publisher)));
        HttpHandler endpoint = new PublishEndpoint((request, response) -> {
            reachedWebFlux.set(true);
            return route.handle(request, response);
        }, new ApiAccessFilter("k"), publisher, new PublishTimers(new SimpleMeterRegistry()), new LongAdder());

        MockServerHttpResponse fast = answer(endpoint);
        assertThat(reachedWebFlux).isFalse();
        MockServerHttpResponse webflux = answer(route);

        assertThat(fast.getStatusCode().value()).isEqualTo(503);
        assertThat(fast.getStatusCode()).isEqualTo(webflux.getStatusCode());
        assertThat(new TreeMap<>(fast.getHeaders().toSingleValueMap())).isEqualTo(new TreeMap<>(webflux.getHeaders().toSingleValueMap()));
        assertThat(fast.getHeaders().getFirst("Retry-After")).isEqualTo("1");
        String body = fast.getBodyAsString().block(WAIT);
        assertThat(body).isEqualTo(webflux.getBodyAsString().block(WAIT)).contains("\"error\":\"broker_unavailable\"");
    }

    private static MockServerHttpResponse answer(HttpHandler handler) {
        MockServerHttpRequest request = MockServerHttpRequest.post("/api/publish")
                .header("Authorization", "Bearer k")
                .header("Content-Type", "application/json")
                .body("{\"channel\":\"c\",\"data\":1}");
        MockServerHttpResponse response = new MockServerHttpResponse();
        handler.handle(request, response).block(WAIT);
        return response;
    }
}
