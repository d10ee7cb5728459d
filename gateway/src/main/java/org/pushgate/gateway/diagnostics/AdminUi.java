package org.pushgate.gateway.diagnostics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The live admin page, {@code /admin/ui}: three static files (the HTML shell, one JS module, one stylesheet) read
 * once from the classpath at start and served as they are, nothing else. The shell carries no data: every figure
 * it shows comes from {@code /admin/stats} and the admin POSTs, which its script calls with the credential the
 * operator types, so the access filter judges those calls exactly as any other {@code /admin} call
 * (docs/security.md, "The admin page"). A browser cannot put a header on a navigation, which is why these
 * {@link #FILES} alone are let through unauthenticated, and why the headers here forbid inline script, framing and
 * content sniffing.
 */
public final class AdminUi {

    /** The page's own files, by the exact decoded paths the access filter lets anyone GET. */
    public static final Set<String> FILES = Set.of("/admin/ui", "/admin/ui/", "/admin/ui/admin.js", "/admin/ui/admin.css");

    /** Script and style only from the page's own files; data only from its own origin; never framed. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private record File(byte[] bytes, MediaType type) {
    }

    private final Map<String, File> files = new LinkedHashMap<>();

    AdminUi() {
        File page = load("index.html", new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8));
        files.put("/admin/ui", page);
        files.put("/admin/ui/", page);
        files.put("/admin/ui/admin.js", load("admin.js", MediaType.parseMediaType("text/javascript;charset=UTF-8")));
        files.put("/admin/ui/admin.css", load("admin.css", MediaType.parseMediaType("text/css;charset=UTF-8")));
        if (!files.keySet().equals(FILES)) {
            throw new IllegalStateException("the admin page serves " + files.keySet() + " but the filter opens " + FILES);
        }
    }

    RouterFunction<ServerResponse> routes() {
        RouterFunctions.Builder routes = RouterFunctions.route();
        files.forEach((path, file) -> routes.GET(path, request -> ServerResponse.ok()
                .contentType(file.type())
                .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("X-Frame-Options", "DENY") // older browsers that ignore frame-ancestors
                .header("Referrer-Policy", "no-referrer")
                .header("Cache-Control", "no-cache") // revalidate: a new gateway version brings its own page
                .bodyValue(file.bytes())));
        return routes.build();
    }

    private static File load(String name, MediaType type) {
        try (InputStream in = AdminUi.class.getResourceAsStream("ui/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the admin page's file ui/" + name + " is missing from the classpath");
            }
            return new File(in.readAllBytes(), type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the admin page's file ui/" + name, e);
        }
    }
}
