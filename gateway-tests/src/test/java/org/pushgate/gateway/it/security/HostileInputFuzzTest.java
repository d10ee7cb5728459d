package org.pushgate.gateway.it.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.pushgate.gateway.GatewayApplication;
import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.connection.ConnectionRegistry;
import org.pushgate.gateway.hub.Hub;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.HttpWire;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.http.client.ReactorResourceFactory;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Property-based fuzzing of one running gateway (jwt mode, small limits) with hostile input: whatever a
 * client sends (random text, JSON-ish noise, commands with random fields and tokens, big and deep frames,
 * binary and broken UTF-8), every frame gets a documented answer or the connection is closed with a
 * documented code, no answer echoes a token, and once the client is gone the gateway holds nothing for it.
 * Whatever a backend POSTs to the publish API gets 200 or a 400 with a documented JSON error code, never a
 * 5xx, and a refused body publishes nothing.
 *
 * <p>jqwik does not run Spring's JUnit extension, so the gateway is started here, once for the class.
 */
class HostileInputFuzzTest {

    private static final Duration ANSWER = Duration.ofSeconds(5);
    private static final Duration IDLE = Duration.ofSeconds(5);
    private static final int MAX_FRAME = 8192;
    private static final int MAX_TOKEN = 1024;

    private static final Set<String> REPLY_OPS = Set.of("connected", "refreshed", "subscribed", "unsubscribed", "error", "heartbeat");
    private static final Set<String> ERROR_CODES = Set.of("bad_json", "bad_frame", "unknown_op", "invalid_channel",
            "already_subscribed", "not_subscribed", "unsupported_frame", "not_connected", "already_connected", "forbidden",
            "invalid_token", "rate_limited");
    /** Close codes a client's own input may earn (docs/protocol.md); 1011 would be a server failure. */
    private static final Set<Integer> INPUT_CLOSE_CODES = Set.of(1002, 1008, 1009, 4005, 4006, 4007);
    private static final Set<String> API_ERRORS = Set.of("bad_json", "bad_request", "empty_body", "missing_data",
            "invalid_channel", "too_many_channels", "body_too_large");

    private static ConfigurableApplicationContext context;
    private static GatewayProbe gateway;
    private static RawWebSocket listener;
    private static int probes;

    @BeforeContainer
    static void startGateway() {
        context = new SpringApplicationBuilder(GatewayApplication.class)
                .registerShutdownHook(false)
                // Event loops of its own: closing this gateway must not dispose the global loops that the
                // cached Spring test contexts of this JVM run on.
                .initializers(c -> ((GenericApplicationContext) c).registerBean("reactorResourceFactory",
                        ReactorResourceFactory.class, HostileInputFuzzTest::ownLoops))
                .run("--server.port=0",
                        "--gateway.auth.mode=jwt",
                        "--gateway.auth.jwt.secret=" + Tokens.CLIENT_SECRET,
                        "--gateway.auth.namespaces.private=claim",
                        "--gateway.auth.namespaces.internal=none",
                        "--gateway.api.key=" + Tokens.API_KEY,
                        "--gateway.api.jwt.secret=" + Tokens.SERVER_SECRET,
                        "--gateway.limits.max-frame-bytes=" + MAX_FRAME,
                        "--gateway.limits.max-token-bytes=" + MAX_TOKEN,
                        "--gateway.limits.max-subscriptions-per-connection=5",
                        "--gateway.limits.max-publish-bytes=4096",
                        "--gateway.limits.max-broadcast-channels=8",
                        "--gateway.limits.commands-per-second=100000",
                        "--gateway.limits.command-burst=100000");
        assertThat(context.getBean(ReactorResourceFactory.class).isUseGlobalResources()).isFalse();
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        gateway = new GatewayProbe(port, context.getBean(ConnectionRegistry.class), context.getBean(Hub.class),
                context.getBean(Admission.class));
    }

    private static ReactorResourceFactory ownLoops() {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        factory.setShutdownQuietPeriod(Duration.ZERO);
        factory.setShutdownTimeout(Duration.ofSeconds(5));
        return factory;
    }

    @AfterContainer
    static void stopGateway() {
        if (context != null) {
            context.close();
            context = null;
        }
    }

    @AfterProperty
    void closeListener() {
        if (listener != null) {
            listener.close();
            listener = null;
        }
        gateway.awaitIdle(IDLE);
    }

    // ---- frames

    /** One WebSocket frame exactly as it goes on the wire: FIN, RSV and opcode bits, payload, masking. */
    record Raw(int firstByte, byte[] payload, boolean masked) {
        static Raw whole(int opcode, byte[] payload) {
            return new Raw(0x80 | opcode, payload, true);
        }
    }

    /**
     * What a client sends in one go (one message: usually one frame, or the fragments of one), what kind of
     * input it is, and the tokens it carries (no answer may echo them).
     */
    record Input(List<Raw> frames, String kind, List<String> tokens) {
        static Input of(int opcode, byte[] payload, String kind, List<String> tokens) {
            return new Input(List.of(Raw.whole(opcode, payload)), kind, tokens);
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder(kind);
            for (Raw raw : frames) {
                String text = new String(raw.payload(), StandardCharsets.UTF_8);
                out.append(String.format(" [0x%02x%s %d bytes: %s]", raw.firstByte(), raw.masked() ? "" : " unmasked",
                        raw.payload().length, text.length() > 120 ? text.substring(0, 120) + "..." : text));
            }
            return out.toString();
        }
    }

    @Property(tries = 200, shrinking = ShrinkingMode.BOUNDED)
    void anyFramesGetDocumentedAnswersOrADocumentedCloseAndLeaveNothingBehind(
            @ForAll boolean authenticateFirst, @ForAll("sessions") List<Input> inputs) {
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws")) {
            if (authenticateFirst) {
                client.sendConnect(Tokens.client("fuzzer", 600, "private:team*"), 0);
                client.await(f -> Json.isOp(f, "subscribed"), "the personal channel");
            }
            for (Input input : inputs) {
                Statistics.label("input").collect(input.kind());
                int before = client.frames().size();
                input.frames().forEach(raw -> client.sendRaw(raw.firstByte(), raw.payload(), raw.masked()));
                List<JsonNode> answers = answersTo(client, before, input);
                assertDocumented(client, input);
                answers.forEach(a -> Statistics.label("answer").collect(Json.isOp(a, "error") ? Json.text(a, "code") : Json.text(a, "op")));
                if (!client.isOpen()) {
                    Statistics.label("close").collect(client.closeCode());
                    assertThat(client.closeCode()).as("close code after %s", input).isIn(INPUT_CLOSE_CODES);
                    assertThat(answers).as("answers before the close of %s", input).hasSizeLessThanOrEqualTo(1);
                    break;
                }
                assertThat(answers).as("answers to %s", input).hasSizeBetween(1, 2);
                if (answers.size() == 2) {
                    assertThat(answers).extracting(f -> Json.text(f, "op")).as("two answers to %s", input)
                            .containsExactly("connected", "subscribed");
                }
            }
        }
        gateway.awaitIdle(IDLE);
    }

    /**
     * The frames that answer {@code input}: waits for the first answer (or the close), then sends a probe
     * whose own reply marks the end of the answers. The probe goes out only after an answer, never into a
     * socket the input is closing.
     */
    private List<JsonNode> answersTo(RawWebSocket client, int before, Input input) {
        assertThat(client.awaitMoreFramesThan(before, ANSWER)).as("an answer or a close within %s for %s", ANSWER, input).isTrue();
        if (!client.isOpen()) {
            client.awaitClose();
            return nonHeartbeats(client.frames().subList(before, client.frames().size()));
        }
        String probe = "probe-" + (++probes);
        client.send("{\"op\":\"unsubscribe\",\"channel\":\"zz-probe\",\"id\":\"" + probe + "\"}");
        JsonNode reply = client.await(f -> f.has("id") && probe.equals(f.get("id").asString()), ANSWER, "the probe " + probe);
        List<JsonNode> frames = client.frames();
        return nonHeartbeats(frames.subList(before, frames.indexOf(reply)));
    }

    private static List<JsonNode> nonHeartbeats(List<JsonNode> frames) {
        return frames.stream().filter(f -> !Json.isOp(f, "heartbeat")).toList();
    }

    private static void assertDocumented(RawWebSocket client, Input input) {
        for (JsonNode frame : client.frames()) {
            assertThat(Json.text(frame, "op")).as("op of %s after %s", frame, input).isIn(REPLY_OPS);
            if (Json.isOp(frame, "error")) {
                assertThat(Json.text(frame, "code")).as("code of %s after %s", frame, input).isIn(ERROR_CODES);
                assertThat(frame.get("message").isString()).isTrue();
            }
        }
        for (String text : client.texts()) {
            for (String token : input.tokens()) {
                assertThat(text).as("an answer echoes the token of %s", input).doesNotContain(token);
            }
        }
    }

    @Provide
    Arbitrary<List<Input>> sessions() {
        return Arbitraries.frequencyOf(
                        Tuple.of(3, randomText()),
                        Tuple.of(3, jsonish()),
                        Tuple.of(8, commands()),
                        Tuple.of(1, big()),
                        Tuple.of(1, deep()),
                        Tuple.of(1, binary()),
                        Tuple.of(1, brokenUtf8()),
                        Tuple.of(2, fragmented()),
                        Tuple.of(1, protocolViolations()))
                .list().ofMinSize(1).ofMaxSize(8);
    }

    private static Arbitrary<Input> randomText() {
        return Arbitraries.strings().ofMaxLength(200).map(s -> text("text", s));
    }

    private static Arbitrary<Input> jsonish() {
        return Arbitraries.of("{", "}", "[", "]", ",", ":", "\"op\"", "\"subscribe\"", "\"unsubscribe\"", "\"connect\"",
                        "\"refresh\"", "\"channel\"", "\"id\"", "\"token\"", "\"news\"", "\"user:fuzzer\"", "0", "-1", "1e999",
                        "1.5", "123456789012345678901234567890123456789012345678901234567890123456789", "true", "false",
                        "null", "\"\\u0000\"", "\"\\ud800\"", "\"\\\"", " ", "\n", "/*", "'x'", "NaN")
                .list().ofMaxSize(30)
                .map(parts -> text("jsonish", String.join("", parts)));
    }

    private static Arbitrary<Input> commands() {
        Arbitrary<Object> op = Arbitraries.frequency(Tuple.of(6, "subscribe"), Tuple.of(2, "unsubscribe"), Tuple.of(4, "connect"),
                Tuple.of(3, "refresh"), Tuple.of(1, "message"), Tuple.of(1, ""), Tuple.of(1, "SUBSCRIBE"),
                Tuple.of(1, "heartbeat"), Tuple.of(1, Absent.VALUE), Tuple.of(1, 7), Tuple.of(1, Boolean.TRUE));
        Arbitrary<Object> channel = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("news", "public:x", "private:team-1", "private:other", "internal:x", "user:fuzzer",
                        "user:other", "auth0|42", "a:b:c", "x")),
                Tuple.of(2, Arbitraries.of("a".repeat(128), "a".repeat(129), "bad name", "", "caf\u00e9", "x\u0000y", "a\"b",
                        Absent.VALUE, 17, Boolean.FALSE, JsonNull.VALUE)),
                Tuple.of(2, Arbitraries.strings().withChars("abz:|@=/.-_ *\"\\").ofMaxLength(140).map(s -> (Object) s)));
        Arbitrary<Object> id = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(Absent.VALUE, 1, -5, Long.MAX_VALUE, "id-x", "", 1.5)),
                Tuple.of(1, Arbitraries.of(Boolean.TRUE, JsonNull.VALUE, List.of(1), new Object[] {"nested"})));
        Arbitrary<Object> token = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of(TokenKind.class).map(TokenKind::value)),
                Tuple.of(3, Arbitraries.just(TokenKind.VALID).map(TokenKind::value)),
                Tuple.of(3, oddClaims().map(claims -> (Object) Tokens.hs256(Tokens.CLIENT_SECRET, b -> claims.forEach(b::claim)))));
        Arbitrary<Object> extra = Arbitraries.of(Absent.VALUE, "data", "offset", "channels", "token2");
        return net.jqwik.api.Combinators.combine(op, channel, id, token, extra).as((o, c, i, t, e) -> {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            put(node, "op", o);
            put(node, "channel", c);
            put(node, "id", i);
            put(node, "token", t);
            List<String> tokens = t instanceof String minted && minted.length() >= 20 ? List.of(minted) : List.of();
            if (e instanceof String name) {
                node.put(name, "x");
            }
            return Input.of(RawWebSocket.TEXT, node.toString().getBytes(StandardCharsets.UTF_8), "command", tokens);
        });
    }

    /**
     * Claims of a correctly signed token, each absent, sensible or odd (wrong types, out-of-range times,
     * nested values): what reaches the claim conversion and validation behind the signature check.
     */
    static Arbitrary<Map<String, Object>> oddClaims() {
        long now = java.time.Instant.now().getEpochSecond();
        List<Object> odd = List.of("x", "", 0, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1.0e20, -0.5, true, List.of("a", 1),
                Map.of("k", "v"), List.of(), "2026-01-01T00:00:00Z", "9".repeat(40), now - 100_000);
        Map<String, Object> sensible = Map.of("sub", "fuzzer", "exp", now + 600, "nbf", now - 10, "iat", now,
                "iss", "https://issuer.example", "aud", "pushgate", "channels", List.of("private:team*"),
                "scope", "publish admin", "scp", List.of("publish"), "jti", "id-1");
        List<Arbitrary<Map.Entry<String, Object>>> fields = new ArrayList<>();
        sensible.forEach((name, good) -> fields.add(Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(Map.entry(name, (Object) Absent.VALUE))),
                Tuple.of(4, Arbitraries.just(Map.entry(name, good))),
                Tuple.of(2, Arbitraries.of(odd).map(value -> Map.entry(name, value))))));
        return net.jqwik.api.Combinators.combine(fields).as(entries -> {
            Map<String, Object> claims = new java.util.LinkedHashMap<>();
            entries.stream().filter(e -> e.getValue() != Absent.VALUE).forEach(e -> claims.put(e.getKey(), e.getValue()));
            return claims;
        });
    }

    private static Arbitrary<Input> big() {
        return Arbitraries.integers().between(MAX_FRAME - 200, MAX_FRAME + 4000).map(n -> n % 2 == 0
                ? text("big", "{\"op\":\"subscribe\",\"channel\":\"" + "a".repeat(n) + "\"}")
                : text("big", "x".repeat(n)));
    }

    private static Arbitrary<Input> deep() {
        return net.jqwik.api.Combinators.combine(Arbitraries.integers().between(10, 60), Arbitraries.of("[", "{\"a\":"),
                Arbitraries.of(true, false)).as((depth, open, balanced) -> {
            String close = open.equals("[") ? "]" : "}";
            String inner = "{\"op\":\"subscribe\",\"channel\":\"deep\",\"x\":" + open.repeat(depth) + "1"
                    + (balanced ? close.repeat(depth) : "") + "}";
            return text("deep", inner);
        });
    }

    private static Arbitrary<Input> binary() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(300).map(b -> Input.of(RawWebSocket.BINARY, b, "binary", List.of()));
    }

    private static Arbitrary<Input> brokenUtf8() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(100).map(b -> {
            byte[] payload = Arrays.copyOf(b, b.length + 2);
            payload[b.length] = (byte) 0xC3; // a lead byte followed by no continuation: never valid UTF-8
            payload[b.length + 1] = (byte) 0x28;
            return Input.of(RawWebSocket.TEXT, payload, "broken-utf8", List.of());
        });
    }

    /** A text message split into fragments (a first frame without FIN, continuations, a final one). */
    private static Arbitrary<Input> fragmented() {
        return net.jqwik.api.Combinators.combine(commands(), Arbitraries.integers().between(2, 4), Arbitraries.of(true, false))
                .as((command, parts, pingInside) -> {
                    byte[] whole = command.frames().get(0).payload();
                    List<Raw> frames = new ArrayList<>();
                    int step = Math.max(1, (whole.length + parts - 1) / parts);
                    for (int from = 0; from < whole.length; from += step) {
                        boolean first = from == 0;
                        boolean last = from + step >= whole.length;
                        frames.add(new Raw((last ? 0x80 : 0) | (first ? RawWebSocket.TEXT : 0x0),
                                Arrays.copyOfRange(whole, from, Math.min(whole.length, from + step)), true));
                        if (first && pingInside && !last) {
                            frames.add(Raw.whole(RawWebSocket.PING, new byte[] {1, 2})); // control frames may interleave
                        }
                    }
                    return new Input(frames, "fragmented", command.tokens());
                });
    }

    /** Frames that break RFC 6455: reserved opcodes, RSV bits, unmasked, orphan continuations, bad close frames. */
    private static Arbitrary<Input> protocolViolations() {
        byte[] json = "{\"op\":\"subscribe\",\"channel\":\"news\"}".getBytes(StandardCharsets.UTF_8);
        return Arbitraries.of(
                        new Raw(0x80 | 0x3, json, true),
                        new Raw(0x80 | 0xB, new byte[0], true),
                        new Raw(0x80 | 0x40 | RawWebSocket.TEXT, json, true),
                        new Raw(0x80 | 0x10 | RawWebSocket.TEXT, json, true),
                        new Raw(0x80 | RawWebSocket.TEXT, json, false),
                        new Raw(0x80, json, true),
                        new Raw(RawWebSocket.PING, new byte[] {1}, true),
                        new Raw(0x80 | RawWebSocket.PING, new byte[200], true),
                        new Raw(0x80 | RawWebSocket.CLOSE, new byte[] {1}, true))
                .map(raw -> new Input(List.of(raw), "violation", List.of()));
    }

    private static Input text(String kind, String text) {
        return Input.of(RawWebSocket.TEXT, text.getBytes(StandardCharsets.UTF_8), kind, List.of());
    }

    private static void put(ObjectNode node, String field, Object value) {
        if (value == Absent.VALUE) {
            return;
        }
        if (value == JsonNull.VALUE) {
            node.putNull(field);
        } else if (value instanceof String s) {
            node.put(field, s);
        } else if (value instanceof Integer n) {
            node.put(field, n);
        } else if (value instanceof Long n) {
            node.put(field, n);
        } else if (value instanceof Double d) {
            node.put(field, d);
        } else if (value instanceof Boolean b) {
            node.put(field, b);
        } else if (value instanceof List<?> list) {
            list.forEach(item -> node.putArray(field).add(String.valueOf(item)));
        } else if (value instanceof Object[] nested) {
            node.putObject(field).put("v", String.valueOf(nested[0]));
        }
    }

    private enum Absent { VALUE }

    private enum JsonNull { VALUE }

    /** The tokens a fuzzed connect or refresh carries. */
    enum TokenKind {
        ABSENT, NULL, NUMBER, EMPTY, VALID, OTHER_USER, EXPIRED, FORGED, UNSIGNED, ENCRYPTED, HS512, GARBAGE, TOO_LONG, BAD_SUB,
        NO_SUB;

        /** The {@code token} field's value: absent, JSON null, a number, or a string. */
        Object value() {
            return switch (this) {
                case ABSENT -> Absent.VALUE;
                case NULL -> JsonNull.VALUE;
                case NUMBER -> 42;
                case EMPTY -> "";
                case VALID -> Tokens.client("fuzzer", 600, "private:team*");
                case OTHER_USER -> Tokens.client("other", 600);
                case EXPIRED -> Tokens.client("fuzzer", -300);
                case FORGED -> Tokens.hs256(Tokens.OTHER_SECRET, Tokens.user("fuzzer", 600));
                case UNSIGNED -> Tokens.unsigned(Tokens.user("fuzzer", 600));
                case ENCRYPTED -> Tokens.encrypted(Tokens.CLIENT_SECRET, Tokens.user("fuzzer", 600));
                case HS512 -> Tokens.hmac(com.nimbusds.jose.JWSAlgorithm.HS512, Tokens.CLIENT_SECRET, Tokens.user("fuzzer", 600));
                case GARBAGE -> "eyJhbGciOiJIUzI1NiJ9.garbage-payload-0123456789.garbage-signature-0123456789";
                case TOO_LONG -> Tokens.client("fuzzer", 600, "x".repeat(MAX_TOKEN));
                case BAD_SUB -> Tokens.client("fuzz er", 600);
                case NO_SUB -> Tokens.hs256(Tokens.CLIENT_SECRET, c -> c.expirationTime(
                        java.util.Date.from(java.time.Instant.now().plusSeconds(600))));
            };
        }
    }

    // ---- HTTP bodies

    @Property(tries = 200, shrinking = ShrinkingMode.BOUNDED)
    void anyPublishBodyGets200Or400WithAJsonErrorAndARefusedOneDeliversNothing(
            @ForAll("paths") String path, @ForAll("bodies") byte[] body) {
        RawWebSocket subscriber = listener();
        HttpWire.Response response = Http.post(gateway.port(), path, body, "Authorization", KEY);

        assertThat(response.status()).as("%s %s", path, response).isIn(200, 400);
        assertThat(response.header("Content-Type")).as("%s", response).startsWith("application/json");
        JsonNode json = response.json();
        int expected;
        Statistics.label("answer").collect(response.status() == 200 ? "200" : Json.text(json, "error"));
        if (response.status() == 400) {
            assertThat(Json.text(json, "error")).as("%s", response).isIn(API_ERRORS);
            assertThat(json.get("message").isString()).isTrue();
            expected = 0;
        } else {
            expected = json.get("subscribers").asInt();
        }

        String sentinel = "sentinel-" + (++probes);
        Http.post(gateway.port(), "/api/publish", "{\"channel\":\"fuzz\",\"data\":\"" + sentinel + "\"}", "Authorization", KEY);
        JsonNode mark = subscriber.await(f -> Json.isOp(f, "message") && f.get("data").isString()
                        && sentinel.equals(f.get("data").stringValue()),
                ANSWER, "the " + sentinel);
        List<JsonNode> frames = subscriber.frames();
        long delivered = frames.subList(lastSentinelEnd, frames.indexOf(mark)).stream().filter(f -> Json.isOp(f, "message")).count();
        lastSentinelEnd = frames.indexOf(mark) + 1;
        assertThat(delivered).as("messages delivered by %s %s answered %s", path, new String(body, StandardCharsets.UTF_8), response)
                .isEqualTo(expected);
    }

    private static int lastSentinelEnd;
    private static final String KEY = Http.bearer(Tokens.API_KEY);

    private static RawWebSocket listener() {
        if (listener == null) {
            listener = JwtConnect.authenticated(gateway.port(), Tokens.client("listener", 3600));
            assertThat(Json.text(listener.subscribe("fuzz", 1), "op")).isEqualTo("subscribed");
            assertThat(Json.text(listener.subscribe("fuzz:two", 2), "op")).isEqualTo("subscribed");
            lastSentinelEnd = listener.frames().size();
        }
        return listener;
    }

    @Provide
    Arbitrary<String> paths() {
        return Arbitraries.of("/api/publish", "/api/broadcast");
    }

    @Provide
    Arbitrary<byte[]> bodies() {
        Arbitrary<String> channel = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of("\"fuzz\"", "\"fuzz:two\"", "\"nobody\"")),
                Tuple.of(2, Arbitraries.of("\"bad name\"", "\"\"", "17", "null", "[\"fuzz\"]", "\"" + "a".repeat(129) + "\"", "{}")),
                Tuple.of(1, Arbitraries.strings().withChars("abfuz:|\" \\").ofMaxLength(20).map(s -> "\"" + s + "\"")));
        Arbitrary<String> data = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("1", "\"x\"", "null", "true", "{\"a\":[1,2,{\"b\":null}]}", "[]", "1e999", "-0", "\"\\u0000\"",
                        "\"\\ud800\"", "{\"a\":1,\"a\":2}", "tru", "{", "\"" + "d".repeat(5000) + "\"")),
                Tuple.of(1, Arbitraries.integers().between(1, 80).map(d -> "[".repeat(d) + "]".repeat(d))));
        Arbitrary<String> structured = net.jqwik.api.Combinators.combine(
                Arbitraries.frequency(Tuple.of(4, "channel"), Tuple.of(4, "channels"), Tuple.of(1, "chan"), Tuple.of(1, "")),
                channel.list().ofMaxSize(10), data, Arbitraries.frequency(Tuple.of(4, true), Tuple.of(1, false)),
                Arbitraries.frequency(Tuple.of(8, ""), Tuple.of(2, ",\"extra\":1"), Tuple.of(1, " trailing"), Tuple.of(1, ","),
                        Tuple.of(1, "}"))).as(
                (field, channels, d, withData, tail) -> {
                    String value = field.equals("channels") ? "[" + String.join(",", channels) + "]"
                            : channels.isEmpty() ? "\"fuzz\"" : channels.get(0);
                    return "{\"" + field + "\":" + value + (withData ? ",\"data\":" + d : "") + tail + "}";
                });
        return Arbitraries.frequencyOf(
                Tuple.of(6, structured.map(s -> s.getBytes(StandardCharsets.UTF_8))),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(200).map(s -> s.getBytes(StandardCharsets.UTF_8))),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(200)),
                Tuple.of(1, Arbitraries.integers().between(4000, 5000).map(n -> ("{\"channel\":\"fuzz\",\"data\":\""
                        + "p".repeat(n) + "\"}").getBytes(StandardCharsets.UTF_8))));
    }

    // ---- credentials

    /** An Authorization header value, and whether the gateway may accept it at all. */
    record Credential(String header, boolean mayPass) {
        @Override
        public String toString() {
            return (mayPass ? "acceptable " : "unacceptable ") + header;
        }
    }

    @Property(tries = 150, shrinking = ShrinkingMode.BOUNDED)
    void anyCredentialGets200Or401Or403WithAJsonErrorNeverA5xxAndIsNeverEchoed(
            @ForAll("apiPaths") String path, @ForAll("credentials") Credential credential) {
        HttpWire.Response response = path.startsWith("/admin/")
                ? Http.get(gateway.port(), path, "Authorization", credential.header())
                : Http.post(gateway.port(), path, path.endsWith("broadcast") ? "{\"channels\":[\"fuzz-cred\"],\"data\":1}"
                        : "{\"channel\":\"fuzz-cred\",\"data\":1}", "Authorization", credential.header());
        Statistics.label("status").collect(response.status());

        assertThat(response.status()).as("%s %s", path, credential).isIn(200, 401, 403);
        if (!credential.mayPass()) {
            assertThat(response.status()).as("%s %s", path, credential).isNotEqualTo(200);
        }
        if (response.status() != 200) {
            assertThat(response.header("Content-Type")).startsWith("application/json");
            assertThat(Json.text(response.json(), "error")).isIn("unauthorized", "forbidden");
        }
        String secret = credential.header().length() > 7 ? credential.header().substring(7).trim() : credential.header();
        if (secret.length() >= 16) {
            assertThat(response.body()).as("the answer echoes the credential").doesNotContain(secret);
        }
    }

    @Provide
    Arbitrary<String> apiPaths() {
        return Arbitraries.of("/api/publish", "/api/broadcast", "/admin/connections");
    }

    @Provide
    Arbitrary<Credential> credentials() {
        Arbitrary<String> printable = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(120)
                .map(String::trim);
        return Arbitraries.frequencyOf(
                Tuple.of(1, printable.map(p -> new Credential("Bearer " + p, false))),
                Tuple.of(1, printable.map(p -> new Credential(p, false))),
                Tuple.of(1, Arbitraries.of("Bearer " + Tokens.API_KEY, "bearer " + Tokens.API_KEY, "BEARER   " + Tokens.API_KEY)
                        .map(h -> new Credential(h, true))),
                Tuple.of(1, Arbitraries.of("Bearer " + Tokens.API_KEY + " ", "Bearer " + Tokens.API_KEY.substring(1),
                        "Bearer " + Tokens.API_KEY + "0", "Basic " + Tokens.API_KEY, "Bearer " + Tokens.SERVER_SECRET)
                        .map(h -> new Credential(h, h.equals("Bearer " + Tokens.API_KEY + " ")))),
                Tuple.of(4, oddClaims().map(claims -> new Credential(
                        "Bearer " + Tokens.hs256(Tokens.SERVER_SECRET, b -> claims.forEach(b::claim)), true))),
                Tuple.of(2, oddClaims().map(claims -> new Credential(
                        "Bearer " + Tokens.hs256(Tokens.CLIENT_SECRET, b -> claims.forEach(b::claim)), false))),
                Tuple.of(1, oddClaims().map(claims -> new Credential(
                        "Bearer " + Tokens.unsigned(b -> claims.forEach(b::claim)), false))));
    }
}
