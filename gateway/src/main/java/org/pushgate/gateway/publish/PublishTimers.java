package org.pushgate.gateway.publish;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Spring's {@code http.server.requests} timer for {@code POST /api/publish}, with the tags WebFlux's observation
 * (ServerRequestObservationConvention) gives the route, for the two ways the gateway serves it ahead of WebFlux
 * ({@link PublishEndpoint}, {@link DirectPublish}): a dashboard on that meter sees no difference. Not one of the
 * gateway's documented meters (metrics.GatewayMeter): it is Spring Boot's, recorded here with the same name and
 * tags, so the series WebFlux gave this route go on and the three land in the same timers.
 */
final class PublishTimers {

    static final String REQUESTS = "http.server.requests";
    /** The uri tag of a request the access filter denied: no route had matched yet. */
    static final String UNMATCHED = "UNKNOWN";
    static final String NONE = "none";

    private final MeterRegistry registry;
    // The timers of the usual answers, looked up on first use (as WebFlux registers a series only once it occurs)
    // and then kept: a registry lookup per request would build a tag set. A race registers the same timer twice.
    private volatile Timer ok;
    private volatile Timer rejected;
    private volatile Timer unavailable;

    PublishTimers(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Now, on the registry's clock: where a request's time starts. */
    long start() {
        return registry.config().clock().monotonicTime();
    }

    /** A request answered {@code status}; {@code uri} and {@code exception} as WebFlux would tag it. */
    void answered(long start, int status, String uri, String exception) {
        timer(status, uri, exception).record(registry.config().clock().monotonicTime() - start, TimeUnit.NANOSECONDS);
    }

    /** A request the client cancelled (it left before the answer): WebFlux tags it UNKNOWN. */
    void cancelled(long start, String uri) {
        Timer.builder(REQUESTS).tags("error", NONE, "exception", NONE, "method", "POST", "outcome", "UNKNOWN",
                        "status", "UNKNOWN", "uri", uri).register(registry)
                .record(registry.config().clock().monotonicTime() - start, TimeUnit.NANOSECONDS);
    }

    private Timer timer(int code, String uri, String exception) {
        if (!PublishEndpoint.PATH.equals(uri) || !NONE.equals(exception)) {
            return timer(uri, code, exception);
        }
        if (code == 200) {
            return ok != null ? ok : (ok = timer(uri, code, NONE));
        }
        if (code == 400) {
            return rejected != null ? rejected : (rejected = timer(uri, code, NONE));
        }
        if (code == 503) {
            return unavailable != null ? unavailable : (unavailable = timer(uri, code, NONE));
        }
        return timer(uri, code, NONE);
    }

    private Timer timer(String uri, int status, String exception) {
        String outcome = status >= 500 ? "SERVER_ERROR" : status >= 400 ? "CLIENT_ERROR"
                : status >= 300 ? "REDIRECTION" : status >= 200 ? "SUCCESS" : "INFORMATIONAL";
        return Timer.builder(REQUESTS)
                .tags("error", exception, "exception", exception, "method", "POST", "outcome", outcome,
                        "status", Integer.toString(status), "uri", uri)
                .register(registry);
    }
}
