package org.pushgate.gateway.it.security;

import static org.pushgate.gateway.it.security.SecurityProfiles.ALLOWED_ORIGIN;
import static org.pushgate.gateway.it.security.SecurityProfiles.API_KEY;
import static org.pushgate.gateway.it.security.SecurityProfiles.CLIENT_SECRET;
import static org.pushgate.gateway.it.security.SecurityProfiles.CONNECT_TIMEOUT;
import static org.pushgate.gateway.it.security.SecurityProfiles.DEFAULT_NONE;
import static org.pushgate.gateway.it.security.SecurityProfiles.INTERNAL_NAMESPACE;
import static org.pushgate.gateway.it.security.SecurityProfiles.JWT_MODE;
import static org.pushgate.gateway.it.security.SecurityProfiles.NO_CLOCK_SKEW;
import static org.pushgate.gateway.it.security.SecurityProfiles.PRIVATE_NAMESPACE;
import static org.pushgate.gateway.it.security.SecurityProfiles.PUBLIC_NAMESPACE;
import static org.pushgate.gateway.it.security.SecurityProfiles.SERVER_SECRET;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.pushgate.gateway.it.support.GatewayTest;

/**
 * The locked-down gateway most security tests run against (one shared context): client tokens HS256 with
 * {@link Tokens#CLIENT_SECRET}, 1 s to authenticate, {@code public:} open to any authenticated connection,
 * {@code private:} by the token's {@code channels} claim, {@code internal:} and un-namespaced channels
 * closed to clients; the backend API behind {@link Tokens#API_KEY} or a server token signed with
 * {@link Tokens#SERVER_SECRET}; browsers only from {@code https://app.example}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@GatewayTest({JWT_MODE, CLIENT_SECRET, CONNECT_TIMEOUT, NO_CLOCK_SKEW, PUBLIC_NAMESPACE, PRIVATE_NAMESPACE, INTERNAL_NAMESPACE,
        DEFAULT_NONE, API_KEY, SERVER_SECRET, ALLOWED_ORIGIN})
@interface JwtGateway {
}
