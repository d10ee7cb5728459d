package org.pushgate.gateway.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pushgate.gateway.GatewayApplication;
import org.pushgate.gateway.auth.TestTokens;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * {@code POST /api/publish} served in front of WebFlux answers exactly as the WebFlux route does: every request of a
 * table (credentials, bodies, framings) is sent once to {@code /api/publish}, which {@link PublishEndpoint} takes,
 * and once to {@code /api/%70ublish}, the same route to WebFlux's router but not to the endpoint (it takes only the
 * path as sent); status line, every header line (names as written) and body must be the same, and so must the
 * {@code http.server.requests} series each request adds. The endpoint's count shows which one served which, so
 * these tests fail if the endpoint is bypassed.
 */
class PublishEndpointTest {

    private static final String KEY = "publish-endpoint-test-key";
    private static final String SERVER_SECRET = "server-secret-of-at-least-32-bytes-long!!";
    private static final int MAX_BODY = 4096;
    private static final String FAST = "/api/publish";
    private static final String WEBFLUX = "/api/%70ublish";

    private static ConfigurableApplicationContext context;
    private static int port;
    private static PublishEndpoint.Installer endpoint;
    private static DirectPublish.Installer direct;
    private static MeterRegistry registry;

    @BeforeAll
    static void startGateway() {
        context = new SpringApplicationBuilder(GatewayApplication.class)
                .registerShutdownHook(false)
                .run("--server.port=0", "--gateway.api.key=" + KEY, "--gateway.api.jwt.secret=" + SERVER_SECRET,
                        "--gateway.limits.max-publish-bytes=" + MAX_BODY);
        port = ((WebServerApplicationContext) context).getWebServer().getPort();
        endpoint = context.getBean(PublishEndpoint.Installer.class);
        direct = context.getBean(DirectPublish.Installer.class);
        registry = context.getBean(MeterRegistry.class);
    }

    @AfterAll
    static void stopGateway() {
        if (context != null) {
            context.close();
        }
    }

    /** One request: headers beyond Host and Connection, the body, and how it is framed. */
    record Request(List<String> headers, byte[] body, Framing framing, String query) {

        Request with(String... more) {
            List<String> all = new ArrayList<>(headers);
            all.addAll(List.of(more));
            return new Request(all, body, framing, query);
        }

        Request framed(Framing how) {
            return new Request(headers, body, how, query);
        }

        Request query(String text) {
            return new Request(headers, body, framing, text);
        }
    }

    enum Framing { LENGTH, CHUNKED, EXPECT_CONTINUE, NONE }

    private static Request body(String json) {
        return body(json.getBytes(StandardCharsets.UTF_8));
    }

    private static Request body(byte[] bytes) {
        return new Request(List.of("Content-Type: application/json"), bytes, Framing.LENGTH, "").with("Authorization: Bearer " + KEY);
    }

    private static Request unauthenticated(String... headers) {
        return new Request(List.of("Content-Type: application/json"), "{\"channel\":\"t\",\"data\":1}".getBytes(StandardCharsets.UTF_8),
                Framing.LENGTH, "").with(headers);
    }

    private static String serverToken(String scope, long validSeconds) {
        return TestTokens.hs256(SERVER_SECRET, claims -> {
            claims.subject("backend").expirationTime(Date.from(Instant.now().plusSeconds(validSeconds)));
            if (scope != null) {
                claims.claim("scope", scope);
            }
        });
    }

    static Stream<Arguments> requests() {
        String big = "{\"channel\":\"t\",\"data\":\"" + "x".repeat(MAX_BODY) + "\"}";
        String atLimit = "{\"channel\":\"t\",\"data\":\"" + "x".repeat(MAX_BODY - 24) + "\"}";
        return Stream.of(
                Arguments.of("a good publish", body("{\"channel\":\"t\",\"data\":{\"score\":[1,2],\"team\":\"x\"}}")),
                Arguments.of("data of every JSON kind", body("{\"data\":[null,true,1.5e3,-0,\"\\u00e9\\n\",{}],\"channel\":\"t.b:c\"}")),
                Arguments.of("unicode data", body("{\"channel\":\"t\",\"data\":\"h\u00e9llo \uD83D\uDE00\"}")),
                Arguments.of("data null", body("{\"channel\":\"t\",\"data\":null}")),
                Arguments.of("other fields too", body("{\"x\":[1,{\"y\":2}],\"channel\":\"t\",\"data\":1,\"z\":null}")),
                Arguments.of("a body at the limit", body(atLimit)),
                Arguments.of("a body over the limit", body(big)),
                Arguments.of("an empty body", body("")),
                Arguments.of("whitespace only", body("  \n ")),
                Arguments.of("bad JSON", body("{\"channel\":")),
                Arguments.of("not JSON at all", body("channel=t&data=1")),
                Arguments.of("invalid UTF-8", body(new byte[] {'{', '"', 'c', (byte) 0xff, '"', ':', '1', '}'})),
                Arguments.of("an array", body("[1,2]")),
                Arguments.of("a string", body("\"x\"")),
                Arguments.of("no data", body("{\"channel\":\"t\"}")),
                Arguments.of("no channel", body("{\"data\":1}")),
                Arguments.of("a numeric channel", body("{\"channel\":5,\"data\":1}")),
                Arguments.of("an invalid channel", body("{\"channel\":\"a b\",\"data\":1}")),
                Arguments.of("a channel too long", body("{\"channel\":\"" + "c".repeat(200) + "\",\"data\":1}")),
                Arguments.of("a repeated name", body("{\"channel\":\"a b\",\"channel\":\"t\",\"data\":1,\"data\":2}")),
                Arguments.of("trailing garbage", body("{\"channel\":\"t\",\"data\":1} x")),
                Arguments.of("two objects", body("{\"channel\":\"t\",\"data\":1}{}")),
                Arguments.of("nesting past 64 levels", body("{\"channel\":\"t\",\"data\":" + "[".repeat(70) + "]".repeat(70) + "}")),
                Arguments.of("chunked", body("{\"channel\":\"t\",\"data\":1}").framed(Framing.CHUNKED)),
                Arguments.of("chunked, over the limit", body(big).framed(Framing.CHUNKED)),
                Arguments.of("Expect: 100-continue", body("{\"channel\":\"t\",\"data\":1}").framed(Framing.EXPECT_CONTINUE)),
                Arguments.of("no body framing at all", body("").framed(Framing.NONE)),
                Arguments.of("Content-Type text/plain", new Request(List.of("Content-Type: text/plain", "Authorization: Bearer " + KEY),
                        "{\"channel\":\"t\",\"data\":1}".getBytes(StandardCharsets.UTF_8), Framing.LENGTH, "")),
                Arguments.of("no Content-Type", new Request(List.of("Authorization: Bearer " + KEY),
                        "{\"channel\":\"t\",\"data\":1}".getBytes(StandardCharsets.UTF_8), Framing.LENGTH, "")),
                Arguments.of("Accept: application/xml", body("{\"channel\":\"t\",\"data\":1}").with("Accept: application/xml")),
                Arguments.of("a CORS request", body("{\"channel\":\"t\",\"data\":1}").with("Origin: https://elsewhere.example")),
                Arguments.of("a query string", body("{\"channel\":\"t\",\"data\":1}").query("?channel=x")),
                Arguments.of("no credential", unauthenticated()),
                Arguments.of("a wrong key", unauthenticated("Authorization: Bearer not-the-key")),
                Arguments.of("another scheme", unauthenticated("Authorization: Basic " + KEY)),
                Arguments.of("the key as X-API-Key (Centrifugo's API only)", unauthenticated("X-API-Key: " + KEY)),
                Arguments.of("a bearer in lower case", unauthenticated("Authorization: bearer " + KEY)),
                Arguments.of("a server token with the publish scope", unauthenticated("Authorization: Bearer " + serverToken("publish", 600))),
                Arguments.of("a server token without it", unauthenticated("Authorization: Bearer " + serverToken("admin", 600))),
                Arguments.of("a server token without scopes", unauthenticated("Authorization: Bearer " + serverToken(null, 600))),
                Arguments.of("an expired server token", unauthenticated("Authorization: Bearer " + serverToken("publish", -600))),
                Arguments.of("a token signed otherwise", unauthenticated("Authorization: Bearer "
                        + TestTokens.hs256(claims -> claims.subject("x").claim("scope", "publish")))),
                Arguments.of("a credential that is not a token", unauthenticated("Authorization: Bearer a.b.c")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void theEndpointAnswersAsTheWebFluxRoute(String name, Request request) {
        long served = taken();
        long directly = direct.served();
        Map<String, Long> before = settledSeries();
        Answer fast = send(FAST, request);
        assertThat(taken()).as("the endpoint or the socket's handler took %s", FAST).isEqualTo(served + 1);
        if (fast.status().equals("HTTP/1.1 200 OK") && request.framing() != Framing.EXPECT_CONTINUE
                && request.query().isEmpty()) { // those two it hands on (DirectPublish's class comment)
            assertThat(direct.served()).as("a publish that succeeds is answered on the socket").isEqualTo(directly + 1);
        }
        Map<String, Long> fastSeries = awaitNewSeries(before);

        Answer webflux = send(WEBFLUX, request);
        assertThat(taken()).as("WebFlux took %s", WEBFLUX).isEqualTo(served + 1);
        Map<String, Long> webfluxSeries = awaitNewSeries(before = add(before, fastSeries));

        assertThat(fast.comparable()).isEqualTo(webflux.comparable());
        assertThat(fastSeries).as("http.server.requests").isEqualTo(webfluxSeries);
    }

    /** Requests taken in front of WebFlux: by the socket's handler (DirectPublish) or by PublishEndpoint. */
    private static long taken() {
        return endpoint.served() + direct.served();
    }

    @Test
    void otherMethodsAndSpellingsOfThePathGoToWebFlux() {
        long served = taken();
        for (String method : List.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "post")) {
            send(method, FAST, body("{\"channel\":\"t\",\"data\":1}"));
        }
        for (String path : List.of("/api/publish/", "/api//publish", "/API/publish", "/api/publish;x=1", WEBFLUX)) {
            send(path, body("{\"channel\":\"t\",\"data\":1}"));
        }
        assertThat(taken()).isEqualTo(served);
    }

    /** Publishes the socket's handler answers and ones it hands on, mixed on one kept-alive socket. */
    private static List<Request> mixed() {
        return List.of(body("{\"channel\":\"t\",\"data\":1}"), body("{\"channel\":"), body("{\"data\":1}"),
                body("{\"channel\":\"t\",\"data\":[2]}").framed(Framing.CHUNKED), body(""),
                unauthenticated(), body("{\"channel\":\"t\",\"data\":\"h\u00e9\"}"));
    }

    @Test
    void aKeptAliveSocketGetsEveryAnswerInOrderAsWithWebFlux() throws IOException {
        long directly = direct.served();
        List<Answer> fast = exchange(FAST, mixed(), false);
        assertThat(direct.served()).as("the good publishes were answered on the socket").isEqualTo(directly + 3);
        List<Answer> webflux = exchange(WEBFLUX, mixed(), false);
        assertThat(fast).extracting(Answer::comparable).isEqualTo(webflux.stream().map(Answer::comparable).toList());
        assertThat(fast).extracting(Answer::status).doesNotContain("HTTP/1.1 100 Continue");
    }

    @Test
    void pipelinedRequestsAreAnsweredInTheOrderSent() throws IOException {
        List<Answer> fast = exchange(FAST, mixed(), true);
        List<Answer> webflux = exchange(WEBFLUX, mixed(), true);
        assertThat(fast).extracting(Answer::comparable).isEqualTo(webflux.stream().map(Answer::comparable).toList());
        // and the offsets the good publishes got rise in the order they were sent
        List<Long> offsets = fast.stream().filter(answer -> answer.status().endsWith(" 200 OK"))
                .map(answer -> Long.parseLong(answer.body().replaceAll(".*\"offset\":(\\d+).*", "$1"))).toList();
        assertThat(offsets).hasSize(3).isSorted().doesNotHaveDuplicates();
    }

    /** The requests on one kept-alive socket, one after another's answer or all written at once. */
    private static List<Answer> exchange(String path, List<Request> requests, boolean pipelined) throws IOException {
        try (Socket socket = socket()) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            List<Answer> answers = new ArrayList<>();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (Request request : requests) {
                byte[] bytes = wire("POST", path, request, false);
                if (pipelined) {
                    all.write(bytes);
                } else {
                    out.write(bytes);
                    out.flush();
                    answers.add(read(in));
                }
            }
            if (pipelined) {
                out.write(all.toByteArray());
                out.flush();
                for (int i = 0; i < requests.size(); i++) {
                    answers.add(read(in));
                }
            }
            return answers;
        }
    }

    /** A whole request as sent, framed by length or chunked. */
    private static byte[] wire(String method, String path, Request request, boolean close) throws IOException {
        StringBuilder head = new StringBuilder().append(method).append(' ').append(path).append(request.query())
                .append(" HTTP/1.1\r\nHost: 127.0.0.1:").append(port).append("\r\n");
        if (close) {
            head.append("Connection: close\r\n");
        }
        request.headers().forEach(header -> head.append(header).append("\r\n"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (request.framing() == Framing.CHUNKED) {
            out.write(head.append("Transfer-Encoding: chunked\r\n\r\n").toString().getBytes(StandardCharsets.UTF_8));
            byte[] body = request.body();
            out.write((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } else {
            head.append("Content-Length: ").append(request.body().length).append("\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.UTF_8));
            out.write(request.body());
        }
        return out.toByteArray();
    }

    @Test
    void aClientThatLeavesMidBodyEndsQuietlyAsWithWebFlux() throws IOException {
        Map<String, Long> before = settledSeries();
        long served = taken();
        leaveMidBody(FAST);
        assertThat(taken()).isEqualTo(served + 1);
        Map<String, Long> fast = awaitNewSeries(before);
        leaveMidBody(WEBFLUX);
        Map<String, Long> webflux = awaitNewSeries(add(before, fast));
        assertThat(fast).isEqualTo(webflux);
        // and the gateway still answers
        assertThat(send(FAST, body("{\"channel\":\"t\",\"data\":1}")).status()).isEqualTo("HTTP/1.1 200 OK");
    }

    /** Sends the head, waits for 100 Continue (the handler subscribed to the body), sends half the body, leaves. */
    private static void leaveMidBody(String path) throws IOException {
        try (Socket socket = socket()) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(read(socket.getInputStream()).status()).contains(" 100 ");
            out.write("{\"channel\":\"t\"".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
    }

    // ---- the wire

    /** An answer as read off the socket; {@link #comparable()} drops what differs between any two answers. */
    record Answer(String status, List<String> headers, String body) {
        List<String> comparable() {
            List<String> all = new ArrayList<>();
            all.add(status);
            for (String header : headers) {
                // Content-Length follows the body's length, which the normalised body below already compares.
                all.add(header.toLowerCase(Locale.ROOT).startsWith("content-length:") ? header.substring(0, header.indexOf(':')) : header);
            }
            all.add(body.replaceAll("\"epoch\":\"[^\"]*\"", "\"epoch\":\"E\"").replaceAll("\"offset\":\\d+", "\"offset\":N"));
            return all;
        }
    }

    private static Answer send(String path, Request request) {
        return send("POST", path, request);
    }

    private static Answer send(String method, String path, Request request) {
        try (Socket socket = socket()) {
            StringBuilder head = new StringBuilder().append(method).append(' ').append(path).append(request.query())
                    .append(" HTTP/1.1\r\nHost: 127.0.0.1:").append(port).append("\r\nConnection: close\r\n");
            request.headers().forEach(header -> head.append(header).append("\r\n"));
            switch (request.framing()) {
                case LENGTH -> head.append("Content-Length: ").append(request.body().length).append("\r\n");
                case CHUNKED -> head.append("Transfer-Encoding: chunked\r\n");
                case EXPECT_CONTINUE -> head.append("Content-Length: ").append(request.body().length)
                        .append("\r\nExpect: 100-continue\r\n");
                case NONE -> { }
            }
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(head.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            Answer answer;
            if (request.framing() == Framing.EXPECT_CONTINUE) {
                answer = read(in);
                if (!answer.status().contains(" 100 ")) {
                    return answer;
                }
            }
            if (request.framing() == Framing.CHUNKED) {
                byte[] body = request.body();
                for (int at = 0; at < body.length; at += 1000) {
                    int size = Math.min(1000, body.length - at);
                    out.write((Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body, at, size);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            else if (request.framing() != Framing.NONE) {
                out.write(request.body());
            }
            out.flush();
            return read(in);
        } catch (IOException e) {
            // An answer given before the whole body was sent (413-like refusals) may reset the rest of the upload.
            throw new AssertionError(method + " " + path + " failed", e);
        }
    }

    private static Socket socket() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static Answer read(InputStream in) throws IOException {
        String status = line(in);
        List<String> headers = new ArrayList<>();
        int length = -1;
        String line;
        while (!(line = line(in)).isEmpty()) {
            headers.add(line);
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        if (status.contains(" 100 ")) {
            return new Answer(status, headers, "");
        }
        byte[] body = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
        return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new EOFException("EOF in an HTTP head");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    // ---- http.server.requests

    /** Every POST series of Spring's request timer: its tags, and how many requests it counted. */
    private static Map<String, Long> requestSeries() {
        Map<String, Long> series = new HashMap<>();
        for (Meter meter : registry.find("http.server.requests").tag("method", "POST").meters()) {
            if (meter instanceof Timer timer) {
                series.merge(timer.getId().getTags().toString(), timer.count(), Long::sum);
            }
        }
        return series;
    }

    /**
     * The series once no request of an earlier test is still being recorded (the client may have its answer before
     * the server's timer counts it): unchanged over 100 ms.
     */
    private static Map<String, Long> settledSeries() {
        Map<String, Long> last = requestSeries();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            LockSupport.parkNanos(100_000_000);
            Map<String, Long> now = requestSeries();
            if (now.equals(last)) {
                return now;
            }
            last = now;
        }
        return last;
    }

    /** The series that counted more requests than {@code before}, once one has: how many more each. */
    private static Map<String, Long> awaitNewSeries(Map<String, Long> before) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Map<String, Long> added;
        do {
            added = new HashMap<>();
            for (Map.Entry<String, Long> now : requestSeries().entrySet()) {
                long more = now.getValue() - before.getOrDefault(now.getKey(), 0L);
                if (more != 0) {
                    added.put(now.getKey(), more);
                }
            }
            if (!added.isEmpty()) {
                return added;
            }
            LockSupport.parkNanos(5_000_000);
        } while (System.nanoTime() < deadline);
        return added;
    }

    private static Map<String, Long> add(Map<String, Long> series, Map<String, Long> more) {
        Map<String, Long> sum = new HashMap<>(series);
        more.forEach((key, value) -> sum.merge(key, value, Long::sum));
        return sum;
    }
}
