package org.pushgate.gateway.auth;

import org.pushgate.gateway.config.GatewayProperties;
import org.pushgate.gateway.diagnostics.AdminUi;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

/** Wires client authentication ({@code gateway.auth.*}) and the access filter of the HTTP APIs. */
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

    /** Guards {@code /api} and {@code /admin}: the API key, server JWT scopes, or loopback only. */
    @Bean
    @Order(-100)
    ApiAccessFilter apiAccessFilter(GatewayProperties properties) {
        GatewayProperties.Api api = properties.api();
        return new ApiAccessFilter(api.key(), api.jwt().configured() ? new JwtTokenVerifier(api.jwt()) : null,
                AdminUi.FILES); // the admin page's shell only: its data calls carry the admin credential
    }
}
