package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RunningGateway;
import org.pushgate.gateway.it.support.SseClient;

import tools.jackson.databind.JsonNode;

/**
 * Server-Sent Events ({@code GET /sse}) as a browser's EventSource sees them: events with ids that carry every
 * channel's position, the reconnect with {@code Last-Event-ID} that recovers exactly what was missed, the
 * {@code not_recovered} event beyond history, heartbeats as comments, the last event at shutdown. LeakGuard checks
 * every gauge is back to zero after each test.
 */
@GatewayTest({"gateway.heartbeat.interval=1s", "gateway.history.namespaces.short.size=2"})
class SseTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final GatewayProbe gateway;

    SseTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    private static List<Long> offsets(SseClient client, String channel) {
        return client.messages().stream().filter(m -> Json.text(m, "channel").equals(channel))
                .map(m -> m.get("offset").asLong()).toList();
    }

    private static void awaitSubscribed(SseClient client, int channels) {
        Eventually.await(WAIT, () -> "subscribed to " + channels + ": " + client.events(),
                () -> client.events("subscribed").size() + client.events("not_recovered").size() >= channels);
    }

    @Test
    void messagesArriveAsEventsWhoseIdCarriesThePositionOfEveryChannel() throws Exception {
        try (SseClient client = SseClient.open(gateway.port(), "channel=sse.a&channel=sse.b")) {
            assertThat(client.status()).isEqualTo(200);
            assertThat(client.header("content-type")).startsWith("text/event-stream");
            assertThat(client.header("cache-control")).isEqualTo("no-cache");
            assertThat(client.header("x-accel-buffering")).isEqualTo("no");
            awaitSubscribed(client, 2);
            String epochA = Json.text(client.events("subscribed").get(0).json(), "epoch");
            String epochB = Json.text(client.events("subscribed").get(1).json(), "epoch");
            long a = gateway.publish("sse.a", "{\"n\":1}").json().get("offset").asLong();
            long b = gateway.publish("sse.b", "{\"n\":2}").json().get("offset").asLong();

            Eventually.await(WAIT, "two messages", () -> client.messages().size() == 2);
            SseClient.Event last = client.events("message").get(1);
            assertThat(last.json().get("data").get("n").asInt()).isEqualTo(2);
            assertThat(last.id()).isEqualTo(a + ":" + epochA + "," + b + ":" + epochB);
            client.await(e -> e.name().equals(":") && e.data().equals(": hb"), WAIT, "a heartbeat comment");
            assertThat(gateway.metric("gateway_connections_opened_total", "transport", "sse")).isPositive();
        }
        gateway.awaitIdle(WAIT);
        Eventually.await(WAIT, "the stream's end counted as a client close", () -> gateway.disconnects("client_close") > 0);
    }

    @Test
    void aReconnectWithLastEventIdRecoversExactlyTheMissedMessagesOfEveryChannelThenLiveOnes() throws Exception {
        String lastId;
        try (SseClient before = SseClient.open(gateway.port(), "channel=rec.a&channel=rec.b")) {
            awaitSubscribed(before, 2);
            gateway.publish("rec.a", "1");
            gateway.publish("rec.b", "1");
            Eventually.await(WAIT, "two messages", () -> before.messages().size() == 2);
            lastId = before.lastEventId();
        }
        gateway.awaitIdle(WAIT);
        for (int i = 2; i <= 4; i++) {
            gateway.publish("rec.a", Integer.toString(i));
        }
        gateway.publish("rec.b", "2");

        try (SseClient after = SseClient.open(gateway.port(), "channel=rec.a&channel=rec.b", "Last-Event-ID", lastId)) {
            Eventually.await(WAIT, () -> "both recovered: " + after.events(), () -> after.events("subscribed").size() == 2);
            assertThat(after.events("subscribed")).allMatch(e -> e.json().get("recovered").asBoolean());
            assertThat(after.events("not_recovered")).isEmpty();
            gateway.publish("rec.a", "5");
            Eventually.await(WAIT, () -> "missed and live: " + after.messages(), () -> after.messages().size() == 5);
            assertThat(offsets(after, "rec.a")).containsExactly(2L, 3L, 4L, 5L);
            assertThat(offsets(after, "rec.b")).containsExactly(2L);
        }
    }

    @Test
    void aStreamFurtherBehindThanHistoryGetsNotRecoveredAndGoesOnFromTheTop() throws Exception {
        String lastId;
        try (SseClient before = SseClient.open(gateway.port(), "channel=short:x")) {
            awaitSubscribed(before, 1);
            lastId = before.lastEventId();
        }
        gateway.awaitIdle(WAIT);
        for (int i = 1; i <= 5; i++) {
            gateway.publish("short:x", Integer.toString(i)); // history keeps 2
        }
        try (SseClient after = SseClient.open(gateway.port(), "channel=short:x", "Last-Event-ID", lastId)) {
            SseClient.Event notRecovered = after.await(e -> e.name().equals("not_recovered"), WAIT, "not_recovered");
            assertThat(notRecovered.json().get("recovered").asBoolean()).isFalse();
            assertThat(notRecovered.json().get("offset").asLong()).isEqualTo(5);
            assertThat(notRecovered.id()).startsWith("5:");
            gateway.publish("short:x", "6");
            Eventually.await(WAIT, "the live message", () -> after.messages().size() == 1);
            assertThat(offsets(after, "short:x")).containsExactly(6L);
        }
    }

    @Test
    void aLastEventIdThatDoesNotFitTheChannelsSaysNotRecoveredForEachInsteadOfSkippingSilently() throws Exception {
        try (SseClient client = SseClient.open(gateway.port(), "channel=odd.a&channel=odd.b", "Last-Event-ID", "3:abc")) {
            Eventually.await(WAIT, "two not_recovered", () -> client.events("not_recovered").size() == 2);
        }
    }

    @Test
    void theLastEventIdCanComeAsAParameterForANewEventSource() throws Exception {
        String lastId;
        try (SseClient before = SseClient.open(gateway.port(), "channel=param.a")) {
            awaitSubscribed(before, 1);
            lastId = before.lastEventId();
        }
        gateway.awaitIdle(WAIT);
        gateway.publish("param.a", "1");
        try (SseClient after = SseClient.open(gateway.port(), "channel=param.a&lastEventId="
                + java.net.URLEncoder.encode(lastId, java.nio.charset.StandardCharsets.UTF_8))) {
            Eventually.await(WAIT, "the missed message", () -> after.messages().size() == 1);
            assertThat(after.events("subscribed").get(0).json().get("recovered").asBoolean()).isTrue();
        }
    }

    @Test
    void anOperatorSweepDoesNotCutAStreamThatCannotAnswerPings() throws Exception {
        try (SseClient client = SseClient.open(gateway.port(), "channel=sweep.a")) {
            awaitSubscribed(client, 1);
            GatewayProbe.Response sweep = gateway.post("/admin/sweep?timeoutMillis=200", "");
            assertThat(sweep.status()).isEqualTo(200);
            assertThat(sweep.json().get("closed").asInt()).isZero();
            gateway.publish("sweep.a", "1");
            Eventually.await(WAIT, "still streaming", () -> client.messages().size() == 1);
            assertThat(client.ended()).isFalse();
        }
    }

    @Test
    void refusedRequestsLeaveNothingBehind() throws Exception {
        try (SseClient tooMany = SseClient.open(gateway.port(),
                "channel=" + String.join("&channel=", java.util.stream.IntStream.range(0, 101).mapToObj(i -> "c" + i).toList()))) {
            assertThat(tooMany.status()).isEqualTo(400);
            assertThat(tooMany.errorBody()).contains("too_many_channels");
        }
        GatewayProbe.Response post = gateway.post("/sse?channel=a", "");
        assertThat(post.status()).isEqualTo(405);
    }

    @Test
    void atShutdownTheLastEventTellsTheClientToReconnectThenTheStreamEnds() throws Exception {
        try (RunningGateway own = RunningGateway.start();
             SseClient client = SseClient.open(own.probe().port(), "channel=bye")) {
            awaitSubscribed(client, 1);
            own.stop();
            SseClient.Event close = client.await(e -> e.name().equals("close"), WAIT, "the close event");
            JsonNode data = close.json();
            assertThat(data.get("code").asInt()).isEqualTo(1001);
            assertThat(Json.text(data, "reason")).isEqualTo("server shutting down");
            assertThat(data.get("reconnect").asBoolean()).isTrue();
            client.awaitEnd(WAIT);
        }
    }
}
