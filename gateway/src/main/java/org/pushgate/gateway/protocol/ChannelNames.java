package org.pushgate.gateway.protocol;

/**
 * Channel name syntax: 1..maxLength characters from {@code [A-Za-z0-9_.:@=/|-]} ({@code |} so that identity
 * providers' user ids such as {@code auth0|123} make valid personal channels). The alphabet keeps names
 * safe to embed in JSON, URLs, logs and metric-free admin views without escaping.
 */
public final class ChannelNames {

    private final int maxLength;

    public ChannelNames(int maxLength) {
        this.maxLength = maxLength;
    }

    /** @return null when valid, otherwise a human-readable reason */
    public String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "channel name is empty";
        }
        if (name.length() > maxLength) {
            return "channel name is longer than " + maxLength + " characters";
        }
        for (int i = 0; i < name.length(); i++) {
            if (!allowed(name.charAt(i))) {
                return "channel name may contain only letters, digits and _ . : @ = / - |";
            }
        }
        return null;
    }

    public boolean valid(String name) {
        return problem(name) == null;
    }

    private static boolean allowed(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '_' || c == '.' || c == ':' || c == '@' || c == '=' || c == '/' || c == '-' || c == '|';
    }
}
