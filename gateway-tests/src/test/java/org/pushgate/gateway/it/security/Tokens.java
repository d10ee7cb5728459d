package org.pushgate.gateway.it.security;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.pushgate.gateway.auth.TestTokens;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.DirectEncrypter;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

/**
 * Mints the tokens the security tests present, with Nimbus (the library the gateway verifies with): HS256
 * with a shared secret, RS256 and ES256 with a key pair (optionally naming a {@code kid}), and the classic
 * forgeries ({@code alg: none}, HS256 keyed with a public key).
 */
final class Tokens {

    /** The secret of client tokens in the HS256 gateway (32+ bytes). */
    static final String CLIENT_SECRET = "client-secret-3f9c1e7a2b8d4c6e0a1b2c3d4e5f6a7b-9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    /** The secret of server (API) tokens: separate from client tokens. */
    static final String SERVER_SECRET = "server-secret-8e2d4f6a0c1b3e5d7f9a2c4e6b8d0f1a";
    /** A secret the gateway does not know: tokens signed with it are forgeries. */
    static final String OTHER_SECRET = "forger-secret-0000111122223333444455556666777788";
    /** The API key of the HS256 gateway. */
    static final String API_KEY = "api-key-7c1f0e9d8b7a6c5d4e3f2a1b0c9d8e7f";

    private Tokens() {
    }

    /** Claims for user {@code sub}, valid for {@code seconds} from now (negative: already expired). */
    static Consumer<JWTClaimsSet.Builder> user(String sub, long seconds, String... channels) {
        return c -> {
            c.subject(sub).expirationTime(Date.from(Instant.now().plusSeconds(seconds)));
            if (channels.length > 0) {
                c.claim("channels", List.of(channels));
            }
        };
    }

    /** Claims of a server token with the given scope claim (space-separated), valid for ten minutes. */
    static Consumer<JWTClaimsSet.Builder> server(String scope) {
        return c -> {
            c.subject("backend").expirationTime(Date.from(Instant.now().plusSeconds(600)));
            if (scope != null) {
                c.claim("scope", scope);
            }
        };
    }

    static String hs256(String secret, Consumer<JWTClaimsSet.Builder> claims) {
        return hmac(JWSAlgorithm.HS256, secret, claims);
    }

    /** An HMAC token of another strength (HS384, HS512): the secret must be long enough for it. */
    static String hmac(JWSAlgorithm algorithm, String secret, Consumer<JWTClaimsSet.Builder> claims) {
        try {
            return sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)), new JWSHeader(algorithm), claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An encrypted token (JWE, direct AES-256-GCM with a key derived from the secret): not a signed JWT. */
    static String encrypted(String secret, Consumer<JWTClaimsSet.Builder> claims) {
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder();
        claims.accept(builder);
        EncryptedJWT jwt = new EncryptedJWT(new JWEHeader(JWEAlgorithm.DIR, EncryptionMethod.A256GCM), builder.build());
        try {
            jwt.encrypt(new DirectEncrypter(java.util.Arrays.copyOf(secret.getBytes(StandardCharsets.UTF_8), 32)));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    /** A client token for the HS256 gateway. */
    static String client(String sub, long seconds, String... channels) {
        return hs256(CLIENT_SECRET, user(sub, seconds, channels));
    }

    static String rs256(KeyPair keys, String kid, Consumer<JWTClaimsSet.Builder> claims) {
        return rsa(JWSAlgorithm.RS256, keys, kid, claims);
    }

    /** An RSA-signed token with any RSA algorithm (RS256, RS512, PS256...). */
    static String rsa(JWSAlgorithm algorithm, KeyPair keys, String kid, Consumer<JWTClaimsSet.Builder> claims) {
        return sign(new RSASSASigner((RSAPrivateKey) keys.getPrivate()),
                new JWSHeader.Builder(algorithm).keyID(kid).build(), claims);
    }

    static String es256(KeyPair keys, Consumer<JWTClaimsSet.Builder> claims) {
        try {
            return sign(new ECDSASigner((ECPrivateKey) keys.getPrivate()), new JWSHeader(JWSAlgorithm.ES256), claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An unsigned token ({@code alg: none}) with these claims. */
    static String unsigned(Consumer<JWTClaimsSet.Builder> claims) {
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder();
        claims.accept(builder);
        return new PlainJWT(builder.build()).serialize();
    }

    /** The algorithm-confusion forgery: HS256 whose HMAC key is the verifier's public key (DER bytes). */
    static String hs256WithPublicKey(KeyPair keys, Consumer<JWTClaimsSet.Builder> claims) {
        try {
            byte[] der = keys.getPublic().getEncoded();
            return sign(new MACSigner(der), new JWSHeader(JWSAlgorithm.HS256), claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair rsaKeys() {
        return TestTokens.rsaKeys();
    }

    static KeyPair ecKeys() {
        return TestTokens.ecKeys();
    }

    /** The public key as a PEM {@code PUBLIC KEY} block, as gateway.auth.jwt.public-key takes it inline. */
    static String pem(KeyPair keys) {
        return TestTokens.pem(keys);
    }

    /** A JWKS document publishing these RSA public keys under their key ids. */
    static String jwks(Map<String, KeyPair> rsaKeysById) {
        List<JWK> keys = rsaKeysById.entrySet().stream()
                .map(e -> (JWK) new RSAKey.Builder((RSAPublicKey) e.getValue().getPublic())
                        .keyID(e.getKey()).algorithm(JWSAlgorithm.RS256).build())
                .toList();
        return new JWKSet(keys).toString(true); // public halves only
    }

    private static String sign(JWSSigner signer, JWSHeader header, Consumer<JWTClaimsSet.Builder> claims) {
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder();
        claims.accept(builder);
        SignedJWT jwt = new SignedJWT(header, builder.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }
}
