package org.pushgate.gateway.connection;

import java.time.Duration;

import org.pushgate.gateway.auth.AuthMode;
import org.pushgate.gateway.auth.ChannelPolicy;
import org.pushgate.gateway.auth.TokenVerifier;

/**
 * How connections authenticate and what they may subscribe to.
 *
 * @param verifier null in mode none
 * @param policy null in mode none (every channel is open)
 */
public record ConnectionAuth(AuthMode mode, TokenVerifier verifier, ChannelPolicy policy, Duration connectTimeout,
                             Duration clockSkew) {

    /** @param clockSkew the verifier's tolerance on exp: a connection lives until exp plus this */
    public ConnectionAuth(AuthMode mode, TokenVerifier verifier, ChannelPolicy policy, Duration connectTimeout) {
        this(mode, verifier, policy, connectTimeout, Duration.ZERO);
    }

    public static ConnectionAuth none() {
        return new ConnectionAuth(AuthMode.NONE, null, null, Duration.ofSeconds(10), Duration.ZERO);
    }

    public boolean required() {
        return mode == AuthMode.JWT;
    }
}
