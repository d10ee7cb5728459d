package org.pushgate.gateway.auth;

/** The credential of an {@code Authorization: Bearer <credential>} header (RFC 6750). */
public final class BearerToken {

    private static final String SCHEME = "Bearer ";

    private BearerToken() {
    }

    /**
     * @return the credential (the scheme matched case-insensitively, the rest trimmed), or null when the header
     *         is absent, names another scheme or carries nothing
     */
    public static String parse(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return null;
        }
        String token = authorizationHeader.substring(SCHEME.length()).trim();
        return token.isEmpty() ? null : token;
    }
}
