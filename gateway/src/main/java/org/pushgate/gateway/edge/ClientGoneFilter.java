package org.pushgate.gateway.edge;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.DisconnectedClientHelper;

import reactor.core.publisher.Mono;

/**
 * Keeps a request whose client is gone out of the error log. When a request body ends because its socket closed
 * (the peer reset it, or the edge cut a body that trickled in past its deadline), WebFlux logs "500 Server Error"
 * at ERROR, once per socket, although nobody is left to answer: a client would decide how many such lines there
 * are. The {@link HandshakeGuard} already counted the socket ({@code closed_mid_body}, {@code body_timeout});
 * here the error ends quietly. First in the chain, so the request observation inside it still records the error.
 */
final class ClientGoneFilter implements WebFilter, Ordered {

    private static final Logger log = LoggerFactory.getLogger(ClientGoneFilter.class);

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return chain.filter(exchange)
                .onErrorResume(DisconnectedClientHelper::isClientDisconnectedException, error -> {
                    log.debug("{} {}: client gone ({})", exchange.getRequest().getMethod(), exchange.getRequest().getPath(),
                            error.toString());
                    return Mono.empty();
                });
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
