package org.pushgate.gateway.it.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.HttpWire;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.pushgate.gateway.it.support.RawWebSocket.Options;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;

/**
 * Token theft (docs/security.md): the gateway never logs tokens, keys or secrets, and its error frames,
 * close reasons and HTTP errors never echo them. The test captures every log event (the gateway's own
 * loggers and those of the libraries on its request path raised to DEBUG, into memory only), drives every
 * path that handles a credential, valid or not, and searches everything the gateway said for them.
 */
@JwtGateway
class SecretsNeverLeakTest {

    /** Loggers raised to DEBUG for the test; their events go to the capture only, not to the console. */
    private static final List<String> VERBOSE = List.of("org.pushgate", "org.springframework.security",
            "org.springframework.web", "org.springframework.http", "reactor.netty.http", "com.nimbusds");
    private static final String WRONG_KEY = "wrong-api-key-5d41402abc4b2a76b9719d911017c592";

    private final GatewayProbe gateway;
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final Map<Logger, Level> levels = new LinkedHashMap<>();
    private final Map<Logger, Boolean> additivity = new LinkedHashMap<>();
    /** Every text the gateway sent back: frames, close reasons, HTTP bodies and headers. */
    private final List<String> answers = new ArrayList<>();

    SecretsNeverLeakTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @BeforeEach
    void captureLogs() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        captured.setContext(root.getLoggerContext());
        captured.setName("secrets-capture");
        captured.start();
        root.addAppender(captured);
        for (String name : VERBOSE) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            levels.put(logger, logger.getLevel());
            additivity.put(logger, logger.isAdditive());
            logger.setLevel(Level.DEBUG);
            logger.setAdditive(false);
            logger.addAppender(captured);
        }
    }

    @AfterEach
    void restoreLogs() {
        levels.forEach(Logger::setLevel);
        additivity.forEach(Logger::setAdditive);
        levels.keySet().forEach(logger -> logger.detachAppender(captured));
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(captured);
        captured.stop();
    }

    @Test
    void noTokenKeyOrSecretAppearsInTheLogsOrInAnyAnswer() {
        List<String> tokens = new ArrayList<>();
        String valid = mint(tokens, Tokens.client("wendy", 600));
        String validHeader = mint(tokens, Tokens.client("wendy", 600));
        String forged = mint(tokens, Tokens.hs256(Tokens.OTHER_SECRET, Tokens.user("wendy", 600)));
        String expired = mint(tokens, Tokens.client("wendy", -300));
        String serverAsClient = mint(tokens, Tokens.hs256(Tokens.SERVER_SECRET, Tokens.user("wendy", 600)));
        String malformed = mint(tokens, "eyJhbGciOiJIUzI1NiJ9.bm90LWpzb24tcGF5bG9hZC1zZWNyZXQtbWFya2Vy.c2lnbmF0dXJlLW1hcmtlcg");
        String refreshForged = mint(tokens, Tokens.hs256(Tokens.OTHER_SECRET, Tokens.user("wendy", 900)));
        String refreshOtherUser = mint(tokens, Tokens.client("xavier", 900));
        String clientOnApi = mint(tokens, Tokens.hs256(Tokens.CLIENT_SECRET, Tokens.server("publish admin")));
        String serverNoScope = mint(tokens, Tokens.hs256(Tokens.SERVER_SECRET, Tokens.server(null)));
        String serverPublish = mint(tokens, Tokens.hs256(Tokens.SERVER_SECRET, Tokens.server("publish")));

        try (RawWebSocket client = JwtConnect.authenticated(gateway.port(), valid)) {
            client.sendRefresh(refreshForged, 11);
            client.sendRefresh(refreshOtherUser, 12);
            client.sendRefresh(malformed, 13);
            client.sendConnect(valid, 14);
            client.reply(11);
            client.reply(12);
            client.reply(13);
            client.reply(14);
            answers.addAll(client.texts());
        }
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws",
                Options.defaults().header("Authorization", Http.bearer(validHeader)))) {
            client.awaitOp("subscribed");
            answers.addAll(client.texts());
        }
        for (String refused : List.of(forged, expired, serverAsClient, malformed)) {
            for (boolean inHeader : new boolean[] {false, true}) {
                try (RawWebSocket client = inHeader
                        ? RawWebSocket.upgrade(gateway.port(), "/ws", Options.defaults().header("Authorization", Http.bearer(refused)))
                        : RawWebSocket.upgrade(gateway.port(), "/ws")) {
                    if (!inHeader) {
                        client.sendConnect(refused, 1);
                    }
                    client.awaitClose();
                    answers.addAll(client.texts());
                    answers.add(client.closeReason());
                }
            }
        }
        for (String credential : List.of(WRONG_KEY, clientOnApi, serverNoScope, forged, malformed, serverPublish, Tokens.API_KEY)) {
            String authorization = Http.bearer(credential);
            record(Http.post(gateway.port(), "/api/publish", "{\"channel\":\"public:x\",\"data\":1}", "Authorization", authorization));
            record(Http.post(gateway.port(), "/api/broadcast", "{\"channels\":[\"public:x\"],\"data\":1}", "Authorization", authorization));
            record(Http.get(gateway.port(), "/admin/connections", "Authorization", authorization));
        }
        record(Http.get(gateway.port(), "/admin/channels", "Authorization", Http.bearer(Tokens.API_KEY)));
        for (String path : List.of("/actuator/prometheus", "/actuator/health", "/actuator/info", "/actuator/metrics",
                "/actuator/env", "/actuator/configprops")) {
            record(Http.get(gateway.port(), path));
        }

        List<String> logs = logLines();
        assertThat(logs).as("the capture works").isNotEmpty();
        List<String> secrets = new ArrayList<>(List.of(Tokens.CLIENT_SECRET, Tokens.SERVER_SECRET, Tokens.API_KEY,
                Tokens.OTHER_SECRET, WRONG_KEY, "not-json-payload-secret-marker"));
        for (String token : tokens) {
            secrets.add(token);
            String[] parts = token.split("\\.");
            for (int i = 1; i < parts.length; i++) {
                if (parts[i].length() >= 16) {
                    secrets.add(parts[i]); // payload and signature: what identifies this very token
                }
            }
        }
        for (String secret : secrets) {
            assertThat(logs).as("log lines containing a secret or token").noneMatch(line -> line.contains(secret));
            assertThat(answers).as("answers containing a secret or token").noneMatch(text -> text.contains(secret));
        }
        assertThat(answers).as("the refresh errors say why without the token")
                .anyMatch(text -> text.contains("invalid_token"));
    }

    private static String mint(List<String> tokens, String token) {
        tokens.add(token);
        return token;
    }

    private void record(HttpWire.Response response) {
        answers.add(response.status() + " " + response.body());
        response.headers().forEach((name, value) -> answers.add(name + ": " + value));
        if (response.status() >= 400 && response.body() != null && response.body().startsWith("{")) {
            assertThat(Json.text(response.json(), "error")).as("a JSON error code").isNotBlank();
        }
    }

    private List<String> logLines() {
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent event : List.copyOf(captured.list)) {
            StringBuilder line = new StringBuilder(event.getLoggerName()).append(' ').append(event.getFormattedMessage());
            event.getMDCPropertyMap().forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
            for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
                line.append(" | ").append(cause.getClassName()).append(": ").append(cause.getMessage());
            }
            lines.add(line.toString());
        }
        return lines;
    }
}
