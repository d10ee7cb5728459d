package org.pushgate.gateway.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import javax.crypto.spec.SecretKeySpec;

import org.pushgate.gateway.config.GatewayProperties;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * JWT verification with Spring Security's Nimbus-based reactive decoder: HS256 with a shared secret,
 * RS256/ES256 with a PEM public key, or any of them through a JWKS URL (keys cached and refreshed by the
 * decoder). {@code sub} and {@code exp} are required; {@code exp}/{@code nbf} are checked with the configured
 * clock skew; {@code iss} and {@code aud} when configured.
 */
public final class JwtTokenVerifier implements TokenVerifier {

    private final ReactiveJwtDecoder decoder;

    public JwtTokenVerifier(GatewayProperties.Jwt settings) {
        NimbusReactiveJwtDecoder nimbus = decoder(settings);
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        validators.add(new JwtTimestampValidator(settings.clockSkew()));
        validators.add(required(JwtClaimNames.EXP));
        validators.add(required(JwtClaimNames.SUB));
        if (!settings.issuer().isBlank()) {
            validators.add(new JwtIssuerValidator(settings.issuer()));
        }
        if (!settings.audience().isBlank()) {
            String audience = settings.audience();
            validators.add(jwt -> jwt.getAudience() != null && jwt.getAudience().contains(audience)
                    ? OAuth2TokenValidatorResult.success()
                    : OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "audience not accepted", null)));
        }
        nimbus.setJwtValidator(new DelegatingOAuth2TokenValidator<>(validators));
        this.decoder = nimbus;
    }

    private static OAuth2TokenValidator<Jwt> required(String claim) {
        return jwt -> jwt.hasClaim(claim) ? OAuth2TokenValidatorResult.success()
                : OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "the " + claim + " claim is required", null));
    }

    private static NimbusReactiveJwtDecoder decoder(GatewayProperties.Jwt settings) {
        if (!settings.secret().isBlank()) {
            if (!settings.algorithm().isBlank() && !settings.algorithm().equals("HS256")) {
                throw new IllegalArgumentException("a jwt secret verifies HS256 only, not " + settings.algorithm());
            }
            SecretKeySpec key = new SecretKeySpec(settings.secret().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
            return NimbusReactiveJwtDecoder.withSecretKey(key).macAlgorithm(MacAlgorithm.HS256).build();
        }
        if (!settings.jwksUri().isBlank()) {
            return NimbusReactiveJwtDecoder.withJwkSetUri(settings.jwksUri())
                    .jwsAlgorithm(SignatureAlgorithm.from(settings.algorithm().isBlank() ? "RS256" : settings.algorithm()))
                    .build();
        }
        if (!settings.publicKey().isBlank()) {
            PublicKey key = parsePublicKey(settings.publicKey());
            JWK jwk;
            String algorithm;
            if (key instanceof RSAPublicKey rsa) {
                algorithm = settings.algorithm().isBlank() ? "RS256" : settings.algorithm();
                jwk = new RSAKey.Builder(rsa).algorithm(JWSAlgorithm.parse(algorithm)).build();
            } else if (key instanceof ECPublicKey ec) {
                algorithm = settings.algorithm().isBlank() ? "ES256" : settings.algorithm();
                jwk = new ECKey.Builder(Curve.P_256, ec).algorithm(JWSAlgorithm.parse(algorithm)).build();
            } else {
                throw new IllegalArgumentException("jwt public-key must be an RSA or EC (P-256) key");
            }
            Flux<JWK> keys = Flux.just(jwk);
            return NimbusReactiveJwtDecoder.withJwkSource(jwt -> keys)
                    .jwsAlgorithm(SignatureAlgorithm.from(algorithm))
                    .build();
        }
        throw new IllegalArgumentException("no jwt key source configured");
    }

    static PublicKey parsePublicKey(String configured) {
        String pem = configured.trim();
        if (pem.startsWith("file:")) {
            try {
                pem = Files.readString(Path.of(pem.substring("file:".length())));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read jwt public-key file " + pem.substring(5) + ": " + e.getMessage());
            }
        }
        String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("jwt public-key is not a PEM 'PUBLIC KEY' block");
        }
        for (String type : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
            } catch (Exception ignored) {
                // try the next key type
            }
        }
        throw new IllegalArgumentException("jwt public-key is not a PEM RSA or EC (P-256) public key");
    }

    @Override
    public Mono<Identity> verify(String token) {
        return decoder.decode(token)
                .map(JwtTokenVerifier::identity)
                .onErrorMap(JwtException.class, JwtTokenVerifier::refusal);
    }

    private static Identity identity(Jwt jwt) {
        List<String> channels = new ArrayList<>();
        Object claim = jwt.getClaim("channels");
        if (claim instanceof java.util.Collection<?> list) {
            list.forEach(item -> channels.add(String.valueOf(item)));
        } else if (claim instanceof String single) {
            channels.add(single);
        }
        Set<String> scopes = new LinkedHashSet<>();
        for (String name : List.of("scope", "scp")) {
            Object value = jwt.getClaim(name);
            if (value instanceof String s) {
                scopes.addAll(List.of(s.trim().split("\\s+")));
            } else if (value instanceof java.util.Collection<?> list) {
                list.forEach(item -> scopes.add(String.valueOf(item)));
            }
        }
        Instant expiresAt = jwt.getExpiresAt();
        return new Identity(jwt.getSubject(), expiresAt, List.copyOf(channels), Set.copyOf(scopes));
    }

    private static InvalidTokenException refusal(JwtException error) {
        boolean expired = error instanceof JwtValidationException validation
                && validation.getErrors().stream().anyMatch(e -> e.getDescription() != null && e.getDescription().contains("expired"));
        // The decoder's messages describe the failure (signature, claims), never echo the token.
        String message = expired ? "token expired" : "token rejected: " + firstLine(error.getMessage());
        return new InvalidTokenException(message, expired);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "invalid";
        }
        int cut = message.indexOf('\n');
        String line = cut < 0 ? message : message.substring(0, cut);
        return line.length() > 200 ? line.substring(0, 200) : line;
    }
}
