package org.pushgate.gateway.it.support;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;
import org.pushgate.gateway.GatewayApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.annotation.AliasFor;

/**
 * A black-box test of the real gateway: the whole application on a random port, spoken to over TCP, with
 * {@link LeakGuard} checking after every test that nothing a connection held outlives it. Test classes
 * with the same {@link #value() properties} share one running gateway (Spring's context cache).
 * Test methods and constructors may declare a {@link GatewayProbe} parameter.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(LeakGuard.class)
public @interface GatewayTest {

    /** {@code gateway.*} (or any Spring) properties of the gateway under test, as {@code key=value}. */
    @AliasFor(annotation = SpringBootTest.class, attribute = "properties")
    String[] value() default {};
}
