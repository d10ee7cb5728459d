package org.pushgate.gateway.auth;

import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.config.GatewayProperties;

import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JwtTokenVerifierTest {

    static final Duration VERIFY = Duration.ofSeconds(10);

    static GatewayProperties.Jwt secret(String secret) {
        return new GatewayProperties.Jwt(secret, "", "", "", Duration.ZERO, "", "");
    }

    static GatewayProperties.Jwt publicKey(String pem, String algorithm) {
        return new GatewayProperties.Jwt("", pem, "", algorithm, Duration.ZERO, "", "");
    }

    void assertRefused(TokenVerifier verifier, String token, boolean expired) {
        StepVerifier.create(verifier.verify(token))
                .expectErrorSatisfies(error -> {
                    assertThat(error).isInstanceOf(TokenVerifier.InvalidTokenException.class);
                    assertThat(((TokenVerifier.InvalidTokenException) error).expired()).isEqualTo(expired);
                    assertThat(error.getMessage()).doesNotContain(token);
                })
                .verify(VERIFY);
    }

    @Test
    void hs256TokenGivesItsSubjectExpiryChannelsAndScopes() {
        TokenVerifier verifier = new JwtTokenVerifier(secret(TestTokens.SECRET));
        Instant exp = Instant.now().plusSeconds(60);
        String token = TestTokens.hs256(c -> c.subject("42").expirationTime(Date.from(exp))
                .claim("channels", List.of("private:a", "team:*")).claim("scope", "publish admin"));
        StepVerifier.create(verifier.verify(token))
                .assertNext(identity -> {
                    assertThat(identity.userId()).isEqualTo("42");
                    assertThat(identity.expiresAt().getEpochSecond()).isEqualTo(exp.getEpochSecond());
                    assertThat(identity.claims("private:a")).isTrue();
                    assertThat(identity.claims("private:b")).isFalse();
                    assertThat(identity.claims("team:x")).isTrue();
                    assertThat(identity.scopes()).containsExactlyInAnyOrder("publish", "admin");
                })
                .expectComplete()
                .verify(VERIFY);
    }

    @Test
    void forgedExpiredAndIncompleteTokensAreRefusedWithoutEchoingThem() {
        TokenVerifier verifier = new JwtTokenVerifier(secret(TestTokens.SECRET));
        assertRefused(verifier, TestTokens.hs256("another-secret-of-at-least-32-bytes!!!", c -> c.subject("42")
                .expirationTime(Date.from(Instant.now().plusSeconds(60)))), false);
        assertRefused(verifier, TestTokens.user("42", -5), true);
        assertRefused(verifier, TestTokens.hs256(c -> c.subject("42")), false); // no exp
        assertRefused(verifier, TestTokens.hs256(c -> c.expirationTime(Date.from(Instant.now().plusSeconds(60)))), false); // no sub
        assertRefused(verifier, "not.a.jwt", false);
        assertRefused(verifier, "garbage", false);
    }

    @Test
    void rs256AndEs256TokensVerifyWithAPemPublicKeyAndNotWithAnotherKey() {
        KeyPair rsa = TestTokens.rsaKeys();
        KeyPair ec = TestTokens.ecKeys();
        TokenVerifier rsaVerifier = new JwtTokenVerifier(publicKey(TestTokens.pem(rsa), ""));
        TokenVerifier ecVerifier = new JwtTokenVerifier(publicKey(TestTokens.pem(ec), ""));
        String rsaToken = TestTokens.rs256(rsa, c -> c.subject("r").expirationTime(Date.from(Instant.now().plusSeconds(60))));
        String ecToken = TestTokens.es256(ec, c -> c.subject("e").expirationTime(Date.from(Instant.now().plusSeconds(60))));

        StepVerifier.create(rsaVerifier.verify(rsaToken)).assertNext(i -> assertThat(i.userId()).isEqualTo("r")).expectComplete().verify(VERIFY);
        StepVerifier.create(ecVerifier.verify(ecToken)).assertNext(i -> assertThat(i.userId()).isEqualTo("e")).expectComplete().verify(VERIFY);
        assertRefused(rsaVerifier, ecToken, false);
        assertRefused(ecVerifier, rsaToken, false);
        assertRefused(rsaVerifier, TestTokens.rs256(TestTokens.rsaKeys(), c -> c.subject("r")
                .expirationTime(Date.from(Instant.now().plusSeconds(60)))), false);
        // An HS256 token signed with the public key's bytes (the classic algorithm-confusion attack) fails.
        assertRefused(rsaVerifier, TestTokens.hs256(TestTokens.pem(rsa), c -> c.subject("r")
                .expirationTime(Date.from(Instant.now().plusSeconds(60)))), false);
    }

    @Test
    void issuerAndAudienceAreEnforcedWhenConfigured() {
        TokenVerifier verifier = new JwtTokenVerifier(new GatewayProperties.Jwt(TestTokens.SECRET, "", "", "", Duration.ZERO,
                "https://id.example", "pushgate"));
        Date exp = Date.from(Instant.now().plusSeconds(60));
        String good = TestTokens.hs256(c -> c.subject("1").expirationTime(exp).issuer("https://id.example").audience("pushgate"));
        String wrongIssuer = TestTokens.hs256(c -> c.subject("1").expirationTime(exp).issuer("https://evil.example").audience("pushgate"));
        String wrongAudience = TestTokens.hs256(c -> c.subject("1").expirationTime(exp).issuer("https://id.example").audience("other"));
        StepVerifier.create(verifier.verify(good)).expectNextCount(1).expectComplete().verify(VERIFY);
        assertRefused(verifier, wrongIssuer, false);
        assertRefused(verifier, wrongAudience, false);
    }

    @Test
    void badKeySettingsAreRefusedAtStartupWithAClearMessage() {
        assertThatThrownBy(() -> secret("short")).hasMessageContaining("at least 32 bytes");
        assertThatThrownBy(() -> new GatewayProperties.Jwt(TestTokens.SECRET, "x", "", "", Duration.ZERO, "", ""))
                .hasMessageContaining("exactly one");
        assertThatThrownBy(() -> new JwtTokenVerifier(publicKey("not a key", ""))).hasMessageContaining("PEM");
        assertThatThrownBy(() -> new GatewayProperties.Jwt(TestTokens.SECRET, "", "", "none", Duration.ZERO, "", ""))
                .hasMessageContaining("HS256, RS256 or ES256");
        assertThat(secret(TestTokens.SECRET).toString()).doesNotContain(TestTokens.SECRET);
    }

    @Test
    void channelPolicyKeepsPersonalChannelsPersonalAndAppliesNamespaceRules() {
        ChannelPolicy policy = new ChannelPolicy(java.util.Map.of("public", Access.AUTHENTICATED, "private", Access.CLAIM,
                "internal", Access.NONE), Access.CLAIM);
        Identity alice = new Identity("alice", Instant.now().plusSeconds(60), List.of("private:alice-*", "news"), java.util.Set.of());
        assertThat(policy.maySubscribe(alice, "user:alice")).isTrue();
        assertThat(policy.maySubscribe(alice, "user:bob")).isFalse();
        assertThat(policy.maySubscribe(alice, "user:alice2")).isFalse();
        assertThat(policy.maySubscribe(alice, "public:lobby")).isTrue();
        assertThat(policy.maySubscribe(alice, "private:alice-inbox")).isTrue();
        assertThat(policy.maySubscribe(alice, "private:bob-inbox")).isFalse();
        assertThat(policy.maySubscribe(alice, "internal:x")).isFalse();
        assertThat(policy.maySubscribe(alice, "news")).as("default rule: claim").isTrue();
        assertThat(policy.maySubscribe(alice, "sports")).isFalse();
    }
}
