package org.pushgate.gateway.config;

import java.util.List;

/** The start refused because of {@code gateway.*} keys no setting has: one line per key, naming it. */
final class UnknownConfigurationKeyException extends IllegalStateException {

    UnknownConfigurationKeyException(List<String> problems) {
        super(String.join("\n", problems));
    }
}
