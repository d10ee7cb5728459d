package org.pushgate.gateway.auth;

import java.time.Duration;

/**
 * How client connections authenticate and what they may subscribe to ({@code gateway.auth.*}).
 *
 * @param verifier null in mode none
 * @param policy null in mode none (every channel is open)
 * @param connectTimeout in jwt mode, a connection must authenticate within this time
 * @param clockSkew the verifier's tolerance on exp: a connection lives until exp plus this
 */
public record ClientAuth(AuthMode mode, TokenVerifier verifier, ChannelPolicy policy, Duration connectTimeout,
                         Duration clockSkew) {

    /** Anyone may connect and subscribe to any channel (local use). */
    public static ClientAuth none() {
        return new ClientAuth(AuthMode.NONE, null, null, Duration.ofSeconds(10), Duration.ZERO);
    }

    public boolean required() {
        return mode == AuthMode.JWT;
    }
}
