package org.pushgate.gateway.publish.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.broker.HistoryPolicy;
import org.pushgate.gateway.broker.TestBrokers;
import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.hub.HubEvents;
import org.pushgate.gateway.hub.LocalHub;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.publish.Publisher;

import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** What each command refuses, with which code, and that a refusal takes no offset. */
class ServerCommandsTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Broker broker = TestBrokers.memory(new LocalHub(HubEvents.NONE), Schedulers.immediate(), 100,
            Duration.ofHours(1), 1L << 20);
    private final Publisher publisher = new Publisher(broker, new ChannelNames(16), 65536, 3, 10);
    private final ServerCommands commands = new ServerCommands(publisher, new HistoryPolicy(100, Duration.ofHours(1),
            Map.of("live", new GatewayProperties.History.Namespace(0, null))));

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "publish   | {\"data\":1}                                           | 107",
            "publish   | {\"channel\":\"a b\",\"data\":1}                       | 107",
            "publish   | {\"channel\":\"a\"}                                    | 107",
            "publish   | {\"channel\":\"a\",\"b64data\":\"%%%\"}                | 107",
            "publish   | {\"channel\":\"a\",\"b64data\":\"bm90IGpzb24=\"}       | 107",
            "publish   | {\"channel\":\"a\",\"data\":1,\"skip_history\":true}   | 108",
            "publish   | {\"channel\":\"a\",\"data\":1,\"tags\":{\"k\":\"v\"}}  | 108",
            "publish   | {\"channel\":\"a\",\"data\":1,\"idempotency_key\":\"k\"} | 108",
            "publish   | {\"channel\":\"a\",\"data\":1,\"delta\":true}          | 108",
            "publish   | {\"channel\":\"a\",\"data\":1,\"version\":3}           | 108",
            "publish   | {\"channel\":\"a\",\"data\":1,\"version_epoch\":\"e\"} | 108",
            "broadcast | {\"channels\":[],\"data\":1}                           | 107",
            "broadcast | {\"channels\":\"a\",\"data\":1}                        | 107",
            "broadcast | {\"channels\":[\"a\",\"b\",\"c\",\"d\"],\"data\":1}     | 107",
            "broadcast | {\"channels\":[\"a\",\"b@d!\"],\"data\":1}             | 107",
            "history   | {\"channel\":\"a\",\"limit\":\"5\"}                    | 107",
            "history   | {\"channel\":\"a\",\"limit\":1.5}                      | 107",
            "history   | {\"channel\":\"a\",\"since\":{\"offset\":-1}}          | 107",
            "history   | {\"channel\":\"a\",\"since\":5}                        | 107",
            "history   | {\"channel\":\"a\",\"reverse\":\"yes\"}                | 107",
            "history   | {\"channel\":\"a\",\"reverse\":true,\"since\":{\"offset\":0}} | 107",
            "history   | {\"channel\":\"live:a\",\"limit\":1}                   | 108",
            "presence  | {\"channel\":\"a\"}                                    | 108",
            "batch     | {\"commands\":[]}                                      | 108",
            "publish2  | {\"channel\":\"a\",\"data\":1}                         | 104",
    })
    void aRefusedCommandAnswersItsCodeAndPublishesNothing(String method, String params, int code) {
        StepVerifier.create(commands.execute(method, JSON.readTree(params)))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(ServerApiError.class);
                    assertThat(((ServerApiError) e).code()).as(e.getMessage()).isEqualTo(code);
                    assertThat(e.getMessage()).contains(": ");
                })
                .verify(WAIT);

        assertThat(position("a")).as("nothing published on a").isZero();
    }

    @Test
    void optionsAtTheirDefaultsAreAccepted() {
        ObjectNode result = execute("publish", "{\"channel\":\"a\",\"data\":{\"k\":1},\"skip_history\":false,\"tags\":{},"
                + "\"idempotency_key\":\"\",\"delta\":false,\"version\":0,\"version_epoch\":\"\",\"unknown_field\":7}");

        assertThat(result.get("offset").asLong()).isEqualTo(1);
        assertThat(result.get("epoch").asString()).isNotEmpty();
    }

    @Test
    void b64dataHoldingJsonIsPublishedAsThatJsonAndWinsOverData() {
        // base64 of {"via":"b64"}
        execute("publish", "{\"channel\":\"a\",\"data\":\"ignored\",\"b64data\":\"eyJ2aWEiOiJiNjQifQ==\"}");

        JsonNode history = execute("history", "{\"channel\":\"a\",\"limit\":-1}");
        assertThat(history.get("publications")).hasSize(1);
        assertThat(history.get("publications").get(0).get("data")).isEqualTo(JSON.readTree("{\"via\":\"b64\"}"));
    }

    @Test
    void broadcastAnswersOneResponsePerChannelInOrderAndPublishesARepeatedChannelAgain() {
        ObjectNode result = execute("broadcast", "{\"channels\":[\"a\",\"b\",\"a\"],\"data\":1}");

        JsonNode responses = result.get("responses");
        assertThat(responses).hasSize(3);
        assertThat(responses.get(0).get("result").get("offset").asLong()).isEqualTo(1);
        assertThat(responses.get(1).get("result").get("offset").asLong()).isEqualTo(1);
        assertThat(responses.get(2).get("result").get("offset").asLong()).isEqualTo(2);
    }

    @Test
    void aNegativeLimitReadsAllUpToTheMaximum() {
        for (int i = 0; i < 12; i++) {
            execute("publish", "{\"channel\":\"a\",\"data\":" + i + "}");
        }

        assertThat(execute("history", "{\"channel\":\"a\",\"limit\":-1}").get("publications")).hasSize(10);
        assertThat(execute("history", "{\"channel\":\"a\",\"limit\":1000}").get("publications")).hasSize(10);
        assertThat(execute("history", "{\"channel\":\"a\"}").get("publications")).isEmpty();
        assertThat(execute("history", "{\"channel\":\"a\"}").get("offset").asLong()).isEqualTo(12);
    }

    private ObjectNode execute(String method, String params) {
        return commands.execute(method, JSON.readTree(params)).block(WAIT); // a test thread, not an event loop
    }

    private long position(String channel) {
        return broker.history(channel, 0, 0).block(WAIT).top().offset();
    }
}
