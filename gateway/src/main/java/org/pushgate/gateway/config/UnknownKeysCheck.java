package org.pushgate.gateway.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.OriginLookup;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Stops the start when a {@code gateway.*} key is not one {@link GatewayProperties} knows: Spring would ignore
 * it, and a misspelt limit or a key of another version would silently run with the default. Runs once the
 * environment is complete (after application.yml and profiles are read), before any bean exists, over every
 * property source. Environment variables are judged when they name one of our groups
 * ({@code GATEWAY_HEARTBEAT_INTERVALL} is refused, {@code GATEWAY_JAVA_OPTS} of a start script is not ours).
 * Spring's own {@code ignoreUnknownFields = false} would find the misspelt properties but no variable, and
 * cannot say what was meant.
 */
final class UnknownKeysCheck implements EnvironmentPostProcessor, Ordered {

    static final ConfigurationKeys KEYS = ConfigurationKeys.of(GatewayProperties.PREFIX, GatewayProperties.class);

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        List<String> problems = new ArrayList<>();
        for (PropertySource<?> source : environment.getPropertySources()) {
            if (!(source instanceof EnumerablePropertySource<?> enumerable)) {
                continue;
            }
            boolean variables = source instanceof SystemEnvironmentPropertySource;
            for (String name : enumerable.getPropertyNames()) {
                String problem = variables && name.indexOf('.') < 0 ? checkVariable(name) : checkProperty(name);
                if (problem != null) {
                    problems.add(problem + where(source, name));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new UnknownConfigurationKeyException(problems);
        }
    }

    /** @return why {@code name} is refused, or null */
    static String checkProperty(String name) {
        if (!name.toLowerCase(Locale.ROOT).startsWith(GatewayProperties.PREFIX + ".") || KEYS.knows(name)) {
            return null;
        }
        return "unknown configuration key '" + name + "'; did you mean '" + KEYS.nearest(name) + "'?";
    }

    /**
     * @return why the environment variable {@code name} is refused, or null. Only a variable that names one of
     *         our groups or top-level keys is judged: an environment holds variables that merely share the prefix.
     */
    static String checkVariable(String name) {
        if (!KEYS.claimsVariable(name) || KEYS.knowsVariable(name)) {
            return null;
        }
        String nearest = KEYS.nearest(name);
        return "unknown configuration key '" + name + "' (environment variable); did you mean '"
                + ConfigurationKeys.variable(nearest) + "' (" + nearest + ")?";
    }

    private static String where(PropertySource<?> source, String name) {
        Origin origin = OriginLookup.getOrigin(source, name);
        return " [" + (origin != null ? origin : "property source '" + source.getName() + "'") + "]";
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE; // after every processor that adds a property source
    }
}
