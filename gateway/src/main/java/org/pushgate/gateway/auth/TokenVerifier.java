package org.pushgate.gateway.auth;

import reactor.core.publisher.Mono;

/** Verifies a bearer token. Never logs the token; error messages never contain it. */
public interface TokenVerifier {

    /** @return the identity, or an error {@link InvalidTokenException} */
    Mono<Identity> verify(String token);

    /** Why a token was refused, without the token. */
    final class InvalidTokenException extends RuntimeException {
        private final boolean expired;

        public InvalidTokenException(String message, boolean expired) {
            super(message, null, false, false);
            this.expired = expired;
        }

        public boolean expired() {
            return expired;
        }
    }
}
