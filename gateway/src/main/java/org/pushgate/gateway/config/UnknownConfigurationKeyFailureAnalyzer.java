package org.pushgate.gateway.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports unknown {@code gateway.*} keys as Spring Boot reports a failed start: what is wrong, what to do. */
final class UnknownConfigurationKeyFailureAnalyzer extends AbstractFailureAnalyzer<UnknownConfigurationKeyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnknownConfigurationKeyException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Correct or remove the key. Every gateway.* key is listed, with its default, in the README's "
                        + "Configuration table.", cause);
    }
}
