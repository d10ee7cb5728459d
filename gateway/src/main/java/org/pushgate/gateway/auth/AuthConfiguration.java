package org.pushgate.gateway.auth;

import org.pushgate.gateway.config.GatewayProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires client authentication ({@code gateway.auth.*}). */
@Configuration(proxyBeanMethods = false)
class AuthConfiguration {

    @Bean
    ClientAuth clientAuth(GatewayProperties properties) {
        GatewayProperties.Auth auth = properties.auth();
        if (auth.mode() != AuthMode.JWT) {
            return ClientAuth.none();
        }
        return new ClientAuth(AuthMode.JWT, new JwtTokenVerifier(auth.jwt()),
                new ChannelPolicy(auth.namespaces(), auth.defaultAccess()), auth.connectTimeout(), auth.jwt().clockSkew());
    }
}
