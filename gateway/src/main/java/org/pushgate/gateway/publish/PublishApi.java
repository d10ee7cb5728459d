package org.pushgate.gateway.publish;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.pushgate.gateway.broker.BrokerUnavailableException;
import org.pushgate.gateway.broker.StreamMessage;
import org.pushgate.gateway.web.ErrorResponses;
import org.pushgate.gateway.web.RejectedRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/publish}, {@code POST /api/broadcast} and {@code GET /api/history}: pushgate's JSON over the
 * shared {@link Publisher} (bounded body, validation before anything is published, the broker's limits).
 * {@code POST /api/publish} itself is served in front of WebFlux by {@link PublishEndpoint}; its route here answers
 * the other spellings of the path the router matches (e.g. {@code /api/%70ublish}) exactly the same way.
 */
final class PublishApi {

    /** The answer when the broker did not answer in time (here and in {@link PublishEndpoint}). */
    static final HttpStatus UNAVAILABLE_STATUS = HttpStatus.SERVICE_UNAVAILABLE;
    static final String UNAVAILABLE_CODE = "broker_unavailable";
    static final String UNAVAILABLE_MESSAGE = "the broker did not answer in time; retry";

    private final Publisher publisher;

    PublishApi(Publisher publisher) {
        this.publisher = publisher;
    }

    public Mono<ServerResponse> publish(ServerRequest request) {
        return publisher.body(request)
                .map(publisher::publishBody) // one streaming pass, no JSON tree (docs/benchmarks.md 5c)
                .flatMap(body -> publisher.publish(body.channel(), body.data()))
                .flatMap(published -> ok(PublishAnswer.map(published)))
                .onErrorResume(RejectedRequest.class, RejectedRequest::respond)
                .onErrorResume(BrokerUnavailableException.class, PublishApi::unavailable);
    }

    /**
     * The broker did not answer in time: 503 with Retry-After. The publish may or may not have been applied
     * (docs/protocol.md: a publisher that retries may publish twice; subscribers can tell by the data, not by
     * the offset).
     */
    private static Mono<ServerResponse> unavailable(BrokerUnavailableException error) {
        return ErrorResponses.respond(UNAVAILABLE_STATUS, UNAVAILABLE_CODE, UNAVAILABLE_MESSAGE, Publisher.RETRY_AFTER_SECONDS);
    }

    /**
     * {@code GET /api/history?channel=c&since=<offset>&epoch=<e>&limit=n}: the messages after {@code since} that the
     * stream still holds, in order, and its current position. When {@code epoch} is given and the stream's differs,
     * the offset means nothing: no messages, {@code "epochChanged":true}.
     */
    public Mono<ServerResponse> history(ServerRequest request) {
        return Mono.defer(() -> {
                    String channel = publisher.channelName(request.queryParam("channel").orElseThrow(() ->
                            Publisher.bad("invalid_channel", "query parameter 'channel' is required")));
                    long since = longParam(request, "since", 0);
                    long limit = longParam(request, "limit", Math.min(100, publisher.maxHistoryLimit()));
                    String epoch = request.queryParam("epoch").orElse(null);
                    return publisher.history(channel, since, limit).map(history -> {
                        boolean epochChanged = epoch != null && !epoch.equals(history.top().epoch());
                        Map<String, Object> body = new LinkedHashMap<>();
                        body.put("channel", channel);
                        body.put("epoch", history.top().epoch());
                        body.put("offset", history.top().offset());
                        body.put("epochChanged", epochChanged);
                        body.put("complete", history.complete());
                        List<Map<String, Object>> messages = new ArrayList<>();
                        if (!epochChanged) {
                            for (StreamMessage message : history.messages()) {
                                Map<String, Object> row = new LinkedHashMap<>();
                                row.put("offset", message.offset());
                                row.put("data", publisher.tree(message.data()));
                                messages.add(row);
                            }
                        }
                        body.put("messages", messages);
                        return body;
                    });
                })
                .flatMap(this::ok)
                .onErrorResume(RejectedRequest.class, RejectedRequest::respond)
                .onErrorResume(BrokerUnavailableException.class, PublishApi::unavailable);
    }

    private static long longParam(ServerRequest request, String name, long fallback) {
        String value = request.queryParam(name).orElse(null);
        if (value == null) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value);
            if (parsed < 0) {
                throw new NumberFormatException();
            }
            return parsed;
        }
        catch (NumberFormatException e) {
            throw Publisher.bad("bad_request", "query parameter '" + name + "' must be a non-negative integer");
        }
    }

    public Mono<ServerResponse> broadcast(ServerRequest request) {
        return body(request)
                .flatMap(root -> {
                    List<String> channels = channels(root.get("channels"));
                    byte[] data = publisher.data(root);
                    Map<String, Object> positions = new LinkedHashMap<>();
                    return Flux.fromIterable(channels)
                            .concatMap(channel -> publisher.publish(channel, data)
                                    .doOnNext(published -> positions.put(channel, Map.of(
                                            "offset", published.position().offset(),
                                            "epoch", published.position().epoch()))))
                            .reduce(0, (sum, published) -> sum + published.reached())
                            .map(total -> {
                                Map<String, Object> body = new LinkedHashMap<>();
                                body.put("subscribers", total);
                                body.put("channels", channels.size());
                                body.put("positions", positions);
                                return body;
                            });
                })
                .flatMap(this::ok)
                .onErrorResume(RejectedRequest.class, RejectedRequest::respond)
                .onErrorResume(BrokerUnavailableException.class, PublishApi::unavailable);
    }

    private Mono<ServerResponse> ok(Map<String, ?> body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }

    private Mono<JsonNode> body(ServerRequest request) {
        return publisher.body(request).map(publisher::object);
    }

    private List<String> channels(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw Publisher.bad("invalid_channel", "\"channels\" must be a non-empty array of channel names");
        }
        if (node.size() > publisher.maxBroadcastChannels()) {
            throw Publisher.bad("too_many_channels", "at most " + publisher.maxBroadcastChannels() + " channels per broadcast");
        }
        Set<String> unique = new LinkedHashSet<>();
        for (JsonNode element : node) {
            unique.add(publisher.channel(element, "channels[]"));
        }
        return new ArrayList<>(unique);
    }
}
