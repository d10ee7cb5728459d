package org.pushgate.gateway.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

import org.pushgate.gateway.web.ErrorResponses;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;

import reactor.core.publisher.Mono;

/**
 * Serves the JavaScript client, {@code /client/pushgate.js} and its declarations {@code /client/pushgate.d.ts}, in
 * front of WebFlux like {@code /ws}: exactly these two paths (compared as sent, never resolved against a folder),
 * from bytes read once at startup out of {@code classpath:/client/}, which is none of Spring Boot's static locations.
 * Every other path goes on to WebFlux unchanged, so this opens nothing else: no directory listing, no other
 * classpath file. The scripts are public (a page of any origin may import the module: CORS {@code *}, no
 * credentials); they are cached for {@link #MAX_AGE_SECONDS} and revalidated by their ETag after a deploy.
 */
final class ClientScripts implements HttpHandler {

    static final int MAX_AGE_SECONDS = 300;

    /** One served file: its bytes, Content-Type and strong ETag (a hash of the bytes). */
    record Script(byte[] body, String contentType, String etag) {
    }

    private final HttpHandler next;
    private final Map<String, Script> scripts;

    ClientScripts(HttpHandler next, Map<String, Script> scripts) {
        this.next = next;
        this.scripts = Map.copyOf(scripts);
    }

    /** The two files of the client, read from the classpath; a jar without them does not start. */
    static Map<String, Script> load() {
        return Map.of(
                "/client/pushgate.js", read("client/pushgate.js", "text/javascript;charset=utf-8"),
                // TypeScript has no registered media type; text/plain shows it in a browser and is what tools accept.
                "/client/pushgate.d.ts", read("client/pushgate.d.ts", "text/plain;charset=utf-8"));
    }

    @Override
    public Mono<Void> handle(ServerHttpRequest request, ServerHttpResponse response) {
        Script script = scripts.get(request.getPath().pathWithinApplication().value());
        if (script == null) {
            return next.handle(request, response);
        }
        HttpMethod method = request.getMethod();
        if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
            response.getHeaders().setAllow(java.util.Set.of(HttpMethod.GET, HttpMethod.HEAD));
            return ErrorResponses.write(response, HttpStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                    "the client scripts are read with GET", 0);
        }
        HttpHeaders headers = response.getHeaders();
        headers.setETag(script.etag());
        headers.setCacheControl("public, max-age=" + MAX_AGE_SECONDS);
        headers.set("Access-Control-Allow-Origin", "*");
        headers.set("X-Content-Type-Options", "nosniff");
        if (request.getHeaders().getIfNoneMatch().contains(script.etag())) {
            response.setStatusCode(HttpStatus.NOT_MODIFIED);
            return response.setComplete();
        }
        response.setStatusCode(HttpStatus.OK);
        headers.set(HttpHeaders.CONTENT_TYPE, script.contentType());
        headers.setContentLength(script.body().length);
        if (method == HttpMethod.HEAD) {
            return response.setComplete();
        }
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(script.body())));
    }

    private static Script read(String resource, String contentType) {
        try (InputStream in = ClientScripts.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the JavaScript client " + resource + " is missing from the classpath");
            }
            byte[] body = in.readAllBytes();
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(body);
            String etag = "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(hash).substring(0, 22) + "\"";
            return new Script(body, contentType, etag);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }
}
