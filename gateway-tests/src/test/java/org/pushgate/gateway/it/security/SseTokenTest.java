package org.pushgate.gateway.it.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RunningGateway;
import org.pushgate.gateway.it.support.SseClient;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * Tokens on an event stream (docs/security.md): a browser's EventSource cannot set headers, so {@code ?token=} is
 * accepted besides {@code Authorization}; the same namespace rules; a missing, forged or expired token gets 401
 * (so that the EventSource stops instead of retrying); the stream ends at the token's expiry; and the token is
 * never written to a log, Reactor Netty's access log included.
 */
@JwtGateway
class SseTokenTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final List<String> VERBOSE = List.of("org.pushgate", "org.springframework", "reactor.netty", "io.netty");

    private final GatewayProbe gateway;
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final Map<Logger, Level> levels = new LinkedHashMap<>();

    SseTokenTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @BeforeEach
    void captureLogs() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        captured.setContext(root.getLoggerContext());
        captured.start();
        root.addAppender(captured);
        for (String name : VERBOSE) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            levels.put(logger, logger.getLevel());
            logger.setLevel(Level.DEBUG);
        }
    }

    @AfterEach
    void restoreLogs() {
        levels.forEach(Logger::setLevel);
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(captured);
        captured.stop();
    }

    private List<String> logLines() {
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent event : List.copyOf(captured.list)) {
            lines.add(event.getLoggerName() + " " + event.getFormattedMessage()
                    + (event.getThrowableProxy() == null ? "" : " | " + event.getThrowableProxy().getMessage()));
        }
        return lines;
    }

    private static String signature(String token) {
        return token.substring(token.lastIndexOf('.') + 1);
    }

    @Test
    void aTokenInTheQueryOrTheHeaderOpensTheStreamWithTheSameNamespaceRules() throws Exception {
        String token = Tokens.client("sara", 600);
        try (SseClient query = SseClient.open(gateway.port(), "channel=public:sse&channel=internal:x&token=" + token);
             SseClient header = SseClient.open(gateway.port(), "channel=public:sse", "Authorization", Http.bearer(token))) {
            assertThat(query.status()).isEqualTo(200);
            assertThat(header.status()).isEqualTo(200);
            query.await(e -> e.name().equals("connected"), WAIT, "connected");
            query.await(e -> e.name().equals("channel_error") && e.data().contains("forbidden"), WAIT, "internal: refused");
            Eventually.await(WAIT, "subscribed to public:sse and user:sara", () -> query.events("subscribed").size() == 2
                    && header.events("subscribed").size() == 2);
            Http.publish(gateway.port(), "public:sse", "1");
            Eventually.await(WAIT, "the message on both", () -> query.messages().size() == 1 && header.messages().size() == 1);
        }
        assertThat(logLines()).as("the capture works").isNotEmpty();
        assertThat(logLines()).noneMatch(line -> line.contains(signature(token)));
    }

    @Test
    void aMissingForgedOrExpiredTokenGets401AndNothingIsAdmitted() throws Exception {
        String forged = Tokens.hs256(Tokens.OTHER_SECRET, Tokens.user("sara", 600));
        String expired = Tokens.client("sara", -300);
        for (String query : List.of("channel=public:sse", "channel=public:sse&token=" + forged,
                "channel=public:sse&token=" + expired)) {
            try (SseClient refused = SseClient.open(gateway.port(), query)) {
                assertThat(refused.status()).as(query).isEqualTo(401);
                assertThat(refused.errorBody()).doesNotContain(signature(forged)).doesNotContain(signature(expired));
            }
        }
        assertThat(gateway.gauges().admitted()).isZero();
        assertThat(logLines()).noneMatch(line -> line.contains(signature(forged)) || line.contains(signature(expired)));
    }

    @Test
    void aForeignOriginIsRefused() throws Exception {
        try (SseClient refused = SseClient.open(gateway.port(), "channel=public:sse&token=" + Tokens.client("sara", 600),
                "Origin", "https://evil.example")) {
            assertThat(refused.status()).isEqualTo(403);
        }
    }

    @Test
    void theStreamEndsAtTheTokensExpiryWithACloseEventThatSaysWhy() throws Exception {
        String token = Tokens.client("tina", 2);
        try (SseClient client = SseClient.open(gateway.port(), "channel=public:sse&token=" + token)) {
            assertThat(client.status()).isEqualTo(200);
            SseClient.Event close = client.await(e -> e.name().equals("close"), Duration.ofSeconds(6), "the close event");
            assertThat(close.json().get("code").asInt()).isEqualTo(4006);
            assertThat(Json.text(close.json(), "reason")).isEqualTo("token expired");
            client.awaitEnd(WAIT);
        }
    }

    @Test
    void reactorNettysAccessLogWritesTheRequestWithTheTokenMasked() throws Exception {
        System.setProperty("reactor.netty.http.server.accessLogEnabled", "true");
        RunningGateway own;
        try {
            own = RunningGateway.start(SecurityProfiles.JWT_MODE, SecurityProfiles.CLIENT_SECRET, SecurityProfiles.NO_CLOCK_SKEW);
        } finally {
            System.clearProperty("reactor.netty.http.server.accessLogEnabled");
        }
        // Reactor Netty writes a line when a response ends well: this stream ends at the token's expiry.
        String token = Tokens.client("uma", 2);
        try (own; SseClient client = SseClient.open(own.probe().port(), "channel=public:sse&token=" + token)) {
            client.await(e -> e.name().equals("subscribed"), WAIT, "subscribed");
            client.awaitEnd(Duration.ofSeconds(6));
            Eventually.await(WAIT, "an access log line for /sse", () -> logLines().stream()
                    .anyMatch(line -> line.startsWith("reactor.netty.http.server.AccessLog") && line.contains("/sse")));
        }
        List<String> access = logLines().stream().filter(line -> line.startsWith("reactor.netty.http.server.AccessLog")).toList();
        assertThat(access).anyMatch(line -> line.contains("/sse?channel=public:sse&token=***"));
        assertThat(logLines()).noneMatch(line -> line.contains(signature(token)));
    }
}
