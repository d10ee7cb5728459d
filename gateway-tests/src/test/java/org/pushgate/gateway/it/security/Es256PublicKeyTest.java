package org.pushgate.gateway.it.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pushgate.gateway.it.security.SecurityProfiles.CONNECT_TIMEOUT;
import static org.pushgate.gateway.it.security.SecurityProfiles.JWT_MODE;

import java.security.KeyPair;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * ES256 with an EC P-256 public key (PEM, inline): the algorithm follows the key type. Tokens of the
 * matching private key connect; another EC key, RS256 and HMAC forgeries are refused with 4005.
 */
@GatewayTest({JWT_MODE, CONNECT_TIMEOUT})
class Es256PublicKeyTest {

    private static final KeyPair KEYS = Tokens.ecKeys();

    @DynamicPropertySource
    static void publicKey(DynamicPropertyRegistry registry) {
        registry.add("gateway.auth.jwt.public-key", () -> Tokens.pem(KEYS));
    }

    private final GatewayProbe gateway;

    Es256PublicKeyTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void aTokenSignedWithTheMatchingEcKeyConnects() {
        try (RawWebSocket client = JwtConnect.authenticated(gateway.port(), Tokens.es256(KEYS, Tokens.user("tess", 600)))) {
            assertThat(Json.text(client.awaitOp("connected"), "user")).isEqualTo("tess");
            assertThat(Json.text(client.subscribe("news", 2), "op")).as("default access: authenticated").isEqualTo("subscribed");
        }
    }

    @Test
    void aTokenSignedWithAnotherEcKeyIsRefusedWith4005() {
        assertThat(JwtConnect.refusedCloseCode(gateway.port(), Tokens.es256(Tokens.ecKeys(), Tokens.user("tess", 600)))).isEqualTo(4005);
    }

    @Test
    void anRs256OrHmacForgedTokenIsRefusedWith4005() {
        assertThat(JwtConnect.refusedCloseCode(gateway.port(), Tokens.rs256(Tokens.rsaKeys(), null, Tokens.user("tess", 600)))).isEqualTo(4005);
        assertThat(JwtConnect.refusedCloseCode(gateway.port(), Tokens.hs256(Tokens.pem(KEYS), Tokens.user("tess", 600)))).isEqualTo(4005);
    }
}
