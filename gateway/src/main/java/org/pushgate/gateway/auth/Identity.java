package org.pushgate.gateway.auth;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Who a verified token says the caller is.
 *
 * @param userId the {@code sub} claim
 * @param expiresAt the {@code exp} claim
 * @param channels the {@code channels} claim: exact names or prefixes ending in {@code *}
 * @param scopes the {@code scope}/{@code scp} claim (server tokens)
 */
public record Identity(String userId, Instant expiresAt, List<String> channels, Set<String> scopes) {

    /** Whether the {@code channels} claim allows this channel. */
    public boolean claims(String channel) {
        for (String pattern : channels) {
            if (pattern.endsWith("*") ? channel.startsWith(pattern.substring(0, pattern.length() - 1)) : channel.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    /** Never the token itself, never claims beyond the user id. */
    @Override
    public String toString() {
        return "Identity[user=" + userId + ", expiresAt=" + expiresAt + "]";
    }
}
