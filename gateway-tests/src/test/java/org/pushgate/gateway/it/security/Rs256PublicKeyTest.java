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
import org.pushgate.gateway.it.support.RawWebSocket.Options;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.nimbusds.jose.JWSAlgorithm;

/**
 * RS256 with gateway.auth.jwt.public-key given inline as PEM: tokens signed with the matching private key
 * connect; tokens of another key, of another algorithm, unsigned, or HMAC-signed with the public key itself
 * (the algorithm-confusion forgery) are refused with 4005.
 */
@GatewayTest({JWT_MODE, CONNECT_TIMEOUT})
class Rs256PublicKeyTest {

    private static final KeyPair KEYS = Tokens.rsaKeys();
    private static final KeyPair OTHER = Tokens.rsaKeys();

    @DynamicPropertySource
    static void publicKey(DynamicPropertyRegistry registry) {
        registry.add("gateway.auth.jwt.public-key", () -> Tokens.pem(KEYS));
    }

    private final GatewayProbe gateway;

    Rs256PublicKeyTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void aTokenSignedWithTheMatchingPrivateKeyConnects() {
        try (RawWebSocket client = JwtConnect.authenticated(gateway.port(), Tokens.rs256(KEYS, null, Tokens.user("rita", 600)))) {
            assertThat(Json.text(client.awaitOp("connected"), "user")).isEqualTo("rita");
            assertThat(gateway.hub().channels()).containsEntry("user:rita", 1);
        }
    }

    @Test
    void aTokenInTheAuthorizationHeaderConnects() {
        try (RawWebSocket client = RawWebSocket.upgrade(gateway.port(), "/ws", Options.defaults().header("Authorization",
                Http.bearer(Tokens.rs256(KEYS, null, Tokens.user("sam", 600)))))) {
            assertThat(Json.text(client.awaitOp("subscribed"), "channel")).isEqualTo("user:sam");
        }
    }

    @Test
    void aTokenSignedWithAnotherRsaKeyIsRefusedWith4005() {
        assertThat(JwtConnect.refusedCloseCode(gateway.port(), Tokens.rs256(OTHER, null, Tokens.user("rita", 600)))).isEqualTo(4005);
    }

    @Test
    void anHs256TokenKeyedWithThePublicKeyIsRefusedWith4005() {
        assertThat(JwtConnect.refusedCloseCode(gateway.port(), Tokens.hs256WithPublicKey(KEYS, Tokens.user("rita", 600)))).isEqualTo(4005);
        assertThat(JwtConnect.refusedCloseCode(gateway.port(), Tokens.hs256(Tokens.pem(KEYS), Tokens.user("rita", 600)))).isEqualTo(4005);
    }

    @Test
    void anEs256OrUnsignedTokenIsRefusedWith4005() {
        assertThat(JwtConnect.refusedCloseCode(gateway.port(), Tokens.es256(Tokens.ecKeys(), Tokens.user("rita", 600)))).isEqualTo(4005);
        assertThat(JwtConnect.refusedCloseCode(gateway.port(), Tokens.unsigned(Tokens.user("rita", 600)))).isEqualTo(4005);
    }

    @Test
    void anRs512OrPs256TokenSignedWithTheRightKeyIsRefusedWith4005BecauseOnlyRs256IsAccepted() {
        for (JWSAlgorithm algorithm : new JWSAlgorithm[] {JWSAlgorithm.RS512, JWSAlgorithm.PS256}) {
            String token = Tokens.rsa(algorithm, KEYS, null, Tokens.user("rita", 600));
            assertThat(JwtConnect.refusedCloseCode(gateway.port(), token)).as(algorithm.getName()).isEqualTo(4005);
        }
    }

    @Test
    void anExpiredTokenIsRefusedWith4006() {
        assertThat(JwtConnect.refusedCloseCode(gateway.port(), Tokens.rs256(KEYS, null, Tokens.user("rita", -300)))).isEqualTo(4006);
    }
}
