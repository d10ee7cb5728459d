package org.pushgate.gateway.it.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.diagnostics.AdminUi;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.HttpWire;
import org.pushgate.gateway.it.support.Json;

/**
 * The admin page does not widen {@code /admin} (docs/security.md, "The admin page"): its shell files are served to
 * anyone, carry no data and forbid inline script, framing and sniffing; its data endpoint and its buttons get exactly
 * the 401/403 of every admin call without the admin credential; and nothing else under {@code /admin/ui}, however
 * spelled, is served or let past the filter.
 */
@JwtGateway
class AdminUiAccessTest {

    private static final List<String> SHELL = List.of("/admin/ui", "/admin/ui/", "/admin/ui/admin.js", "/admin/ui/admin.css");
    private static final List<String> ACTIONS = List.of("/admin/audit", "/admin/sweep?timeoutMillis=1", "/admin/close?connection=1");

    private final GatewayProbe gateway;

    AdminUiAccessTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void theShellIsServedWithoutACredentialAsTheFilesThemselvesWithTheirSecurityHeaders() throws IOException {
        assertThat(AdminUi.FILES).containsExactlyInAnyOrderElementsOf(SHELL);
        for (String path : SHELL) {
            HttpWire.Response response = Http.get(gateway.port(), path);

            assertThat(response.status()).as(path).isEqualTo(200);
            String file = path.endsWith(".js") ? "admin.js" : path.endsWith(".css") ? "admin.css" : "index.html";
            assertThat(response.body()).as("%s is the static file %s, nothing computed", path, file).isEqualTo(resource(file));
            assertThat(response.header("Content-Type")).as(path).startsWith(
                    file.endsWith(".js") ? "text/javascript" : file.endsWith(".css") ? "text/css" : "text/html");
            assertThat(response.header("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
            assertThat(response.header("X-Frame-Options")).as(path).isEqualTo("DENY");
            assertThat(response.header("Content-Security-Policy")).as(path)
                    .contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "connect-src 'self'")
                    .doesNotContain("unsafe-inline", "unsafe-eval");
        }
    }

    @Test
    void thePageHasNoInlineScriptAndLoadsNothingFromElsewhere() throws IOException {
        String page = resource("index.html");

        assertThat(page).containsOnlyOnce("<script").contains("<script type=\"module\" src=\"/admin/ui/admin.js\"></script>")
                .doesNotContain(" style=", " onclick", " onload", "javascript:")
                .doesNotContainPattern("(src|href)=\"(https?:)?//");
        assertThat(resource("admin.js")).doesNotContainPattern("https?://(?!www\\.w3\\.org/2000/svg)")
                .doesNotContain("innerHTML", "eval(", "localStorage");
    }

    @Test
    void withoutTheAdminCredentialTheStatsAndTheButtonsGetTheAdminApisRefusal() {
        String publishOnly = Tokens.hs256(Tokens.SERVER_SECRET, Tokens.server("publish"));
        assertUnauthorized(Http.get(gateway.port(), "/admin/stats"));
        assertUnauthorized(Http.get(gateway.port(), "/admin/stats", "Authorization", Http.bearer("wrong")));
        assertForbidden(Http.get(gateway.port(), "/admin/stats", "Authorization", Http.bearer(publishOnly)));
        for (String action : ACTIONS) {
            assertUnauthorized(Http.post(gateway.port(), action, ""));
            assertUnauthorized(Http.post(gateway.port(), action, "", "Authorization", Http.bearer("wrong")));
            assertForbidden(Http.post(gateway.port(), action, "", "Authorization", Http.bearer(publishOnly)));
        }
    }

    @Test
    void withTheAdminCredentialTheStatsAnswerWithTheFiguresAndAreNeverCached() {
        String admin = Tokens.hs256(Tokens.SERVER_SECRET, Tokens.server("admin"));
        for (String credential : List.of(Tokens.API_KEY, admin)) {
            HttpWire.Response response = Http.get(gateway.port(), "/admin/stats", "Authorization", Http.bearer(credential));

            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(response.header("Cache-Control")).isEqualTo("no-store");
            assertThat(response.json().has("connections")).isTrue();
            assertThat(response.json().get("topChannels").isArray()).isTrue();
        }
    }

    @Test
    void nothingElseUnderAdminUiIsServedNorLetPastTheFilter() {
        List<String> others = List.of("/admin/ui/index.html", "/admin/ui/x", "/admin/ui/admin.js/", "/admin/ui/admin.jsx",
                "/admin/ui/../stats", "/admin/ui/%2e%2e/stats", "/admin/ui/..%2fstats", "/admin/ui/%2e%2e%2fconnections",
                "/admin/ui/admin.js/../../connections", "/admin/uix", "/admin/ui.js", "/admin/ui/ui", "/admin/ui%2fadmin.js/..",
                "/admin/ui/org/pushgate/gateway/diagnostics/ui/admin.js", "/admin/ui/application.yml",
                "/admin/ui/META-INF/MANIFEST.MF", "/admin/ui/%00", "/admin/ui/admin.js%00");
        for (String path : others) {
            HttpWire.Response response = Http.get(gateway.port(), path);
            assertThat(response.status()).as("GET %s without a credential: %s", path, response).isIn(400, 401);
            assertThat(response.body()).as(path).doesNotContain("connections\":", "subscribers\"", "<html");
        }
        for (String path : others) {
            HttpWire.Response response = Http.get(gateway.port(), path, "Authorization", Http.bearer(Tokens.API_KEY));
            assertThat(response.status()).as("GET %s with the key: %s", path, response).isIn(400, 404);
        }
        // Only reading: the shell's paths refuse any other method before anything runs.
        for (String path : SHELL) {
            assertUnauthorized(Http.post(gateway.port(), path, ""));
            assertUnauthorized(Http.send(gateway.port(), "PUT", path, new byte[0]));
            assertUnauthorized(Http.send(gateway.port(), "DELETE", path, new byte[0]));
        }
    }

    @Test
    void onlyAGetOfTheShellPassesAndAnotherOriginGetsNoPreflightForTheData() throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        java.net.URI base = java.net.URI.create("http://127.0.0.1:" + gateway.port());

        java.net.http.HttpResponse<String> head = client.send(java.net.http.HttpRequest.newBuilder(base.resolve("/admin/ui"))
                .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).as("the shell is open to a GET, nothing else").isEqualTo(401);

        for (String path : List.of("/admin/stats", "/admin/audit")) {
            java.net.http.HttpResponse<String> preflight = client.send(java.net.http.HttpRequest.newBuilder(base.resolve(path))
                    .method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://evil.example")
                    .header("Access-Control-Request-Method", "POST")
                    .header("Access-Control-Request-Headers", "authorization").build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(preflight.statusCode()).as(path).isEqualTo(401);
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).as(path).isEmpty();
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = AdminUi.class.getResourceAsStream("ui/" + name)) {
            assertThat(in).as("ui/" + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void assertUnauthorized(HttpWire.Response response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(401);
        assertThat(Json.text(response.json(), "error")).isEqualTo("unauthorized");
    }

    private static void assertForbidden(HttpWire.Response response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(403);
        assertThat(Json.text(response.json(), "error")).isEqualTo("forbidden");
    }
}
