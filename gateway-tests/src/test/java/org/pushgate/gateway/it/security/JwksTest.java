package org.pushgate.gateway.it.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pushgate.gateway.it.security.SecurityProfiles.JWT_MODE;

import java.security.KeyPair;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * An identity provider's JWKS (gateway.auth.jwt.jwks-uri): RS256 tokens naming a published {@code kid}
 * connect; a key the provider adds later (rotation) is fetched when a token names it; unknown keys and
 * tokens whose signature does not match the named key are refused with 4005.
 */
@GatewayTest(JWT_MODE) // the default connect timeout (10 s): the first connect waits for the first key fetch
class JwksTest {

    private static final KeyPair FIRST = Tokens.rsaKeys();
    private static final KeyPair ROTATED = Tokens.rsaKeys();
    private static final KeyPair UNKNOWN = Tokens.rsaKeys();
    private static JwksServer provider;

    @DynamicPropertySource
    static synchronized void jwks(DynamicPropertyRegistry registry) {
        if (provider == null) {
            provider = JwksServer.start(Map.of("key-1", FIRST));
        }
        registry.add("gateway.auth.jwt.jwks-uri", provider::uri);
    }

    @AfterAll
    static synchronized void stopProvider() {
        if (provider != null) {
            provider.close();
            provider = null;
        }
    }

    private final GatewayProbe gateway;

    JwksTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    @Test
    void aTokenSignedWithAPublishedKeyConnects() {
        try (RawWebSocket client = JwtConnect.authenticated(gateway.port(), Tokens.rs256(FIRST, "key-1", Tokens.user("uma", 600)))) {
            assertThat(Json.text(client.awaitOp("connected"), "user")).isEqualTo("uma");
        }
        assertThat(provider.requests()).as("the keys came from the provider").isPositive();
    }

    @Test
    void aKeyAddedByTheProviderLaterIsFetchedWhenATokenNamesIt() {
        try (RawWebSocket before = JwtConnect.authenticated(gateway.port(), Tokens.rs256(FIRST, "key-1", Tokens.user("uma", 600)))) {
            provider.publish(Map.of("key-1", FIRST, "key-2", ROTATED));

            try (RawWebSocket after = JwtConnect.authenticated(gateway.port(), Tokens.rs256(ROTATED, "key-2", Tokens.user("vic", 600)))) {
                assertThat(Json.text(after.awaitOp("connected"), "user")).isEqualTo("vic");
            }
        }
    }

    @Test
    void aTokenNamingAnUnknownKeyIsRefusedWith4005() {
        assertThat(JwtConnect.refusedCloseCode(gateway.port(), Tokens.rs256(UNKNOWN, "key-9", Tokens.user("uma", 600)))).isEqualTo(4005);
    }

    @Test
    void aTokenNamingAPublishedKeyButSignedWithAnotherIsRefusedWith4005() {
        assertThat(JwtConnect.refusedCloseCode(gateway.port(), Tokens.rs256(UNKNOWN, "key-1", Tokens.user("uma", 600)))).isEqualTo(4005);
    }

    @Test
    void anHmacTokenIsRefusedWith4005() {
        assertThat(JwtConnect.refusedCloseCode(gateway.port(), Tokens.hs256(Tokens.OTHER_SECRET, Tokens.user("uma", 600)))).isEqualTo(4005);
    }
}
