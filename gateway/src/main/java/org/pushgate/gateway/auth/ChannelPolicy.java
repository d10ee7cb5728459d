package org.pushgate.gateway.auth;

import java.util.Map;

/**
 * Who may subscribe to what. {@code user:<id>} is the personal channel of user {@code id}: only that user's
 * connections may subscribe. Other channels follow the rule of their namespace (the part of the name before
 * its first ':'), or the default rule.
 */
public final class ChannelPolicy {

    public static final String USER_NAMESPACE = "user";
    private static final String USER_PREFIX = USER_NAMESPACE + ":";

    private final Map<String, Access> namespaces;
    private final Access defaultAccess;

    public ChannelPolicy(Map<String, Access> namespaces, Access defaultAccess) {
        this.namespaces = Map.copyOf(namespaces);
        this.defaultAccess = defaultAccess;
    }

    public static String personalChannel(String userId) {
        return USER_PREFIX + userId;
    }

    /** @param identity the connection's identity; never null in jwt mode */
    public boolean maySubscribe(Identity identity, String channel) {
        if (channel.startsWith(USER_PREFIX)) {
            return channel.equals(personalChannel(identity.userId()));
        }
        int colon = channel.indexOf(':');
        Access access = colon < 0 ? defaultAccess : namespaces.getOrDefault(channel.substring(0, colon), defaultAccess);
        return switch (access) {
            case AUTHENTICATED -> true;
            case CLAIM -> identity.claims(channel);
            case NONE -> false;
        };
    }
}
