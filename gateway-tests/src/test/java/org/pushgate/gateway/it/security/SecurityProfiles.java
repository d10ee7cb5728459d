package org.pushgate.gateway.it.security;

/**
 * Gateway settings of the security tests. Classes that list the same settings in the same order share one
 * running gateway (Spring's context cache), which keeps the package fast.
 */
final class SecurityProfiles {

    /** Client tokens: HS256. */
    static final String JWT_MODE = "gateway.auth.mode=jwt";
    static final String CLIENT_SECRET = "gateway.auth.jwt.secret=" + Tokens.CLIENT_SECRET;
    static final String CONNECT_TIMEOUT = "gateway.auth.connect-timeout=1s";
    /** The gateway keeps a connection until exp plus the clock skew; expiry tests want exp itself. */
    static final String NO_CLOCK_SKEW = "gateway.auth.jwt.clock-skew=0s";
    static final String PUBLIC_NAMESPACE = "gateway.auth.namespaces.public=authenticated";
    static final String PRIVATE_NAMESPACE = "gateway.auth.namespaces.private=claim";
    static final String INTERNAL_NAMESPACE = "gateway.auth.namespaces.internal=none";
    static final String DEFAULT_NONE = "gateway.auth.default-access=none";
    /** Server side: an API key and server tokens with a secret of their own. */
    static final String API_KEY = "gateway.api.key=" + Tokens.API_KEY;
    static final String SERVER_SECRET = "gateway.api.jwt.secret=" + Tokens.SERVER_SECRET;
    static final String ALLOWED_ORIGIN = "gateway.allowed-origins=https://app.example";

    /** Small limits, reachable from a test (auth mode none). */
    static final String COMMANDS_PER_SECOND = "gateway.limits.commands-per-second=5";
    static final String COMMAND_BURST = "gateway.limits.command-burst=10";
    static final String RATE_VIOLATIONS = "gateway.limits.rate-limit-violations=5";
    static final String CONNECTION_RATE = "gateway.limits.connections-per-second-per-address=5";
    static final String SMALL_FRAMES = "gateway.limits.max-frame-bytes=1024";
    static final String FEW_SUBSCRIPTIONS = "gateway.limits.max-subscriptions-per-connection=5";
    static final String SMALL_PUBLISH = "gateway.limits.max-publish-bytes=4096";

    private SecurityProfiles() {
    }
}
