package org.pushgate.gateway.publish;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.LongAdder;

import org.pushgate.gateway.auth.ApiAccessFilter;
import org.pushgate.gateway.broker.BrokerUnavailableException;
import org.pushgate.gateway.broker.Published;
import org.pushgate.gateway.web.ErrorResponses;
import org.pushgate.gateway.web.RejectedRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import org.springframework.web.util.DisconnectedClientHelper;

import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/publish} served straight on Reactor Netty, in front of WebFlux (it decorates the application's
 * {@link HttpHandler}, as the WebSocket endpoint does): no exchange, filter chain, router or Jackson encoder for the
 * one hot route of the publish API. Only exactly that method and path as sent; every other request, including other
 * spellings of the path that WebFlux's router would also match ({@code /api/%70ublish}), goes to WebFlux unchanged.
 *
 * <p>It does what the WebFlux route does, in the same order, through the same code, with the same answers: the access
 * decision of {@link ApiAccessFilter#decide} (401/403 before the body is read), the body read whole up to
 * gateway.limits.max-publish-bytes ({@link Publisher#body}: 400 {@code body_too_large} or {@code empty_body}), one
 * streaming parse and validation ({@link PublishBodyReader}: 400 with its code), the broker's publish (503
 * {@code broker_unavailable} with Retry-After), and the answer {@code {"subscribers":n,"offset":k,"epoch":"e"}}
 * written as bytes ({@link PublishAnswer}). A client that leaves mid-body ends the request quietly (as
 * {@code edge.ClientGoneFilter} does for WebFlux); an unexpected failure is logged and answered 500 in Spring Boot's
 * error shape, as WebFlux's error handler would. Each request is recorded in Spring's {@code http.server.requests}
 * timer with the tags WebFlux's observation gives it, so a dashboard on that meter sees no difference.
 *
 * <p>Below it, on the socket, {@link DirectPublish} answers the publishes that succeed without reaching Reactor
 * Netty's server at all; this endpoint answers what that handler hands on (refusals, bad bodies, {@code Expect},
 * a decision that comes later) and every publish where that handler is not installed.
 *
 * <p>It owns nothing beyond one request: the body's buffers are released by {@link Publisher#body}, the answer is
 * one wrapped byte array.
 */
final class PublishEndpoint implements HttpHandler {

    static final String PATH = "/api/publish";

    private static final Logger log = LoggerFactory.getLogger(PublishEndpoint.class);
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSX")
            .withZone(ZoneOffset.UTC);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpHandler next;
    private final ApiAccessFilter access;
    private final Publisher publisher;
    private final PublishTimers timers;
    private final LongAdder served;

    PublishEndpoint(HttpHandler next, ApiAccessFilter access, Publisher publisher, PublishTimers timers,
                    LongAdder served) {
        this.next = next;
        this.served = served;
        this.access = access;
        this.publisher = publisher;
        this.timers = timers;
    }

    @Override
    public Mono<Void> handle(ServerHttpRequest request, ServerHttpResponse response) {
        if (request.getMethod() != HttpMethod.POST || !PATH.equals(request.getPath().pathWithinApplication().value())) {
            return next.handle(request, response);
        }
        served.increment();
        long start = timers.start();
        Failure failure = new Failure();
        return access.decide(PATH, HttpMethod.POST, request.getHeaders(), request.getRemoteAddress())
                .flatMap(verdict -> {
                    if (!verdict.allowed()) {
                        failure.uri = PublishTimers.UNMATCHED;
                        return ApiAccessFilter.deny(response, verdict);
                    }
                    return publish(request, response);
                })
                .onErrorResume(error -> failed(request, response, error, failure))
                .doFinally(signal -> record(signal, response, failure, start));
    }

    private Mono<Void> publish(ServerHttpRequest request, ServerHttpResponse response) {
        return publisher.body(request.getBody())
                .map(publisher::publishBody) // one streaming pass, no JSON tree (docs/benchmarks.md 5c)
                .flatMap(body -> publisher.publish(body.channel(), body.data()))
                .flatMap(published -> answer(response, published))
                .onErrorResume(RejectedRequest.class, refused -> refused.write(response))
                .onErrorResume(BrokerUnavailableException.class, error -> ErrorResponses.answer(response,
                        PublishApi.UNAVAILABLE_STATUS, PublishApi.UNAVAILABLE_CODE, PublishApi.UNAVAILABLE_MESSAGE,
                        Publisher.RETRY_AFTER_SECONDS));
    }

    private static Mono<Void> answer(ServerHttpResponse response, Published published) {
        byte[] body = PublishAnswer.of(published);
        response.setStatusCode(HttpStatus.OK);
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        response.getHeaders().setContentLength(body.length);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }

    /** What WebFlux would have done with an error the steps above did not answer. */
    private static Mono<Void> failed(ServerHttpRequest request, ServerHttpResponse response, Throwable error,
                                     Failure failure) {
        if (DisconnectedClientHelper.isClientDisconnectedException(error)) {
            // edge.ClientGoneFilter's rule: nobody is left to answer, and the edge already counted the socket.
            log.debug("{} {}: client gone ({})", request.getMethod(), request.getPath(), error.toString());
            return Mono.empty();
        }
        if (response.isCommitted()) {
            return Mono.error(error);
        }
        failure.exception = simpleName(error);
        log.error("[{}] 500 Server Error for HTTP POST \"{}\"", request.getId(), PATH, error);
        byte[] body = serverError(request.getPath().value(), request.getId());
        response.setStatusCode(HttpStatus.INTERNAL_SERVER_ERROR);
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        response.getHeaders().setContentLength(body.length);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }

    /** Spring Boot's DefaultErrorWebExceptionHandler's JSON for a 500, keys in its order. */
    static byte[] serverError(String path, String requestId) {
        return JSON.writeValueAsBytes(JSON.createObjectNode()
                .put("timestamp", TIMESTAMP.format(Instant.now()))
                .put("path", path)
                .put("status", 500)
                .put("error", HttpStatus.INTERNAL_SERVER_ERROR.getReasonPhrase())
                .put("requestId", requestId));
    }

    /** WebFlux's observation of the request: status and outcome, or UNKNOWN for a request the client cancelled. */
    private void record(SignalType signal, ServerHttpResponse response, Failure failure, long start) {
        if (signal == SignalType.CANCEL) {
            timers.cancelled(start, failure.uri);
            return;
        }
        HttpStatusCode status = response.getStatusCode();
        timers.answered(start, status == null ? 200 : status.value(), failure.uri, failure.exception);
    }

    static String simpleName(Throwable error) {
        String name = error.getClass().getSimpleName();
        return name.isEmpty() ? error.getClass().getName() : name;
    }
    /** What the request's timer is tagged with beyond its status, set as the request goes. */
    private static final class Failure {
        String uri = PATH;
        String exception = PublishTimers.NONE;
    }

    /**
     * Puts the endpoint in front of WebFlux's handler, or not (then WebFlux serves the path); counts the requests
     * the endpoint took, so that a test can tell that it is not bypassed.
     */
    static final class Installer implements WebHttpHandlerBuilderCustomizer {

        private final ApiAccessFilter access;
        private final Publisher publisher;
        private final PublishTimers timers;
        private final boolean enabled;
        private final LongAdder served = new LongAdder();

        Installer(ApiAccessFilter access, Publisher publisher, PublishTimers timers, boolean enabled) {
            this.access = access;
            this.publisher = publisher;
            this.timers = timers;
            this.enabled = enabled;
        }

        @Override
        public void customize(WebHttpHandlerBuilder builder) {
            if (enabled) {
                builder.httpHandlerDecorator(next -> new PublishEndpoint(next, access, publisher, timers, served));
            }
        }

        /** Requests the endpoint took (the rest went on to WebFlux). */
        long served() {
            return served.sum();
        }
    }
}
