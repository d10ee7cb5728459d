package org.pushgate.gateway.it.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.RunningGateway;

/**
 * The gateway serves its JavaScript client at exactly {@code /client/pushgate.js} and {@code /client/pushgate.d.ts}:
 * the repository's files byte for byte, with their Content-Type, a Cache-Control, an ETag that revalidates, CORS
 * for pages of other origins, readable without credentials even when the API is locked; and nothing else (no
 * listing of the folder, no other classpath file, no other method).
 */
@GatewayTest
class ClientScriptsTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final Path SOURCES = Path.of("").toAbsolutePath().resolveSibling("gateway/src/main/resources/client");

    private final GatewayProbe gateway;

    ClientScriptsTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    static HttpResponse<byte[]> send(int port, String method, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    @Test
    void theModuleIsServedAsJavaScriptWithCachingHeaders() throws Exception {
        HttpResponse<byte[]> js = send(gateway.port(), "GET", "/client/pushgate.js");

        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.body()).isEqualTo(Files.readAllBytes(SOURCES.resolve("pushgate.js")));
        assertThat(header(js, "Content-Type")).isEqualTo("text/javascript;charset=utf-8");
        assertThat(header(js, "Cache-Control")).isEqualTo("public, max-age=300");
        assertThat(header(js, "Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(header(js, "X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(header(js, "ETag")).matches("\"[A-Za-z0-9_-]{22}\"");
    }

    @Test
    void theDeclarationsAreServedAsText() throws Exception {
        HttpResponse<byte[]> dts = send(gateway.port(), "GET", "/client/pushgate.d.ts");

        assertThat(dts.statusCode()).isEqualTo(200);
        assertThat(dts.body()).isEqualTo(Files.readAllBytes(SOURCES.resolve("pushgate.d.ts")));
        assertThat(header(dts, "Content-Type")).isEqualTo("text/plain;charset=utf-8");
        assertThat(header(dts, "ETag")).isNotEqualTo(header(send(gateway.port(), "GET", "/client/pushgate.js"), "ETag"));
    }

    @Test
    void aRevalidationWithTheETagIsAnswered304WithoutABody() throws Exception {
        String etag = header(send(gateway.port(), "GET", "/client/pushgate.js"), "ETag");

        HttpResponse<byte[]> again = send(gateway.port(), "GET", "/client/pushgate.js", "If-None-Match", etag);
        HttpResponse<byte[]> stale = send(gateway.port(), "GET", "/client/pushgate.js", "If-None-Match", "\"old\"");

        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(stale.statusCode()).isEqualTo(200);
    }

    @Test
    void headGivesTheHeadersAndOtherMethodsAre405() throws Exception {
        HttpResponse<byte[]> head = send(gateway.port(), "HEAD", "/client/pushgate.js");
        HttpResponse<byte[]> post = send(gateway.port(), "POST", "/client/pushgate.js");

        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(header(head, "Content-Type")).isEqualTo("text/javascript;charset=utf-8");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(header(post, "Allow")).contains("GET");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/client", "/client/", "/client/pushgate", "/client/pushgate.js/", "/client/other.js",
            "/client/pushgate.js.map", "/client/%2e%2e/application.yml", "/client/../application.yml", "/application.yml",
            "/client/../META-INF/spring.factories", "/org/pushgate/gateway/broker/publish.lua", "/static/client/pushgate.js",
            "/pushgate.js", "/META-INF/spring.factories", "/org/pushgate/gateway/GatewayApplication.class"})
    void nothingElseIsServed(String path) throws Exception {
        HttpResponse<byte[]> response = send(gateway.port(), "GET", path);

        assertThat(response.statusCode()).as("GET %s", path).isEqualTo(404);
    }

    @Test
    void theScriptsAreReadableWithoutCredentialsWhenTheApiIsLocked() throws Exception {
        try (RunningGateway locked = RunningGateway.start("gateway.api.key=locked-api-key-0123456789abcdef")) {
            int port = locked.probe().port();

            assertThat(send(port, "GET", "/client/pushgate.js").statusCode()).isEqualTo(200);
            assertThat(send(port, "GET", "/client/pushgate.d.ts").statusCode()).isEqualTo(200);
            assertThat(send(port, "GET", "/client/").statusCode()).as("the folder is the API's, guarded").isEqualTo(401);
            assertThat(send(port, "GET", "/api/history?channel=a").statusCode()).isEqualTo(401);
        }
        catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
