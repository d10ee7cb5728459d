package org.pushgate.gateway.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which gateway.* keys the start accepts, derived from GatewayProperties, and what it says about the others. */
class ConfigurationKeysTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "gateway.heartbeat.interval",
            "gateway.limits.max-frame-bytes",
            "gateway.limits.maxFrameBytes",
            "gateway.limits.max_frame_bytes",
            "gateway.auth.jwt.jwks-uri",
            "gateway.api.jwt.clock-skew",
            "gateway.auth.namespaces.chat",
            "gateway.auth.namespaces[chat]",
            "gateway.auth.namespaces[a.b]",
            "gateway.allowed-origins",
            "gateway.allowed-origins[0]",
            "gateway.heartbeat",
    })
    void aKnownKeyInAnyRelaxedSpellingPasses(String key) {
        assertThat(UnknownKeysCheck.checkProperty(key)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "GATEWAY_HEARTBEAT_INTERVAL",
            "GATEWAY_LIVENESS_TIMEOUT",
            "GATEWAY_LIMITS_MAXFRAMEBYTES",
            "GATEWAY_LIMITS_MAX_FRAME_BYTES",
            "GATEWAY_AUTH_JWT_JWKS_URI",
            "GATEWAY_AUTH_NAMESPACES_CHAT",
            "GATEWAY_ALLOWED_ORIGINS",
            "GATEWAY_ALLOWEDORIGINS_0",
            "gateway_heartbeat_interval",
    })
    void aKnownKeyAsAnEnvironmentVariablePasses(String name) {
        assertThat(UnknownKeysCheck.checkVariable(name)).isNull();
    }

    /** Variables that only share the prefix: load/with-gateway.sh's, and Kubernetes' for a Service "gateway". */
    @ParameterizedTest
    @ValueSource(strings = {"server.port", "spring.main.banner-mode", "gatewayx.foo", "GATEWAYS_X", "HOME",
            "GATEWAY_JAVA_OPTS", "GATEWAY_ARGS", "GATEWAY_PORT", "GATEWAY_SERVICE_HOST", "GATEWAY_SERVICE_PORT",
            "GATEWAY_SERVICE_PORT_HTTP", "GATEWAY_PORT_8080_TCP", "GATEWAY_PORT_8080_TCP_ADDR", "GATEWAY_BROKER_TYPE"})
    void keysOutsideGatewayAndVariablesNamingNoGroupOfOursAreNotJudged(String name) {
        assertThat(UnknownKeysCheck.checkProperty(name)).isNull();
        assertThat(UnknownKeysCheck.checkVariable(name)).isNull();
    }

    @ParameterizedTest(name = "{0} -> did you mean {1}")
    @CsvSource({
            "gateway.heartbeat.intervall,      gateway.heartbeat.interval",
            "gateway.heartbeat.interval.x,     gateway.heartbeat.interval",
            "gateway.limits.maxFrameByts,      gateway.limits.max-frame-bytes",
            "gateway.limits.max-connection,    gateway.limits.max-connections",
            "gateway.auth.namespace.chat,      gateway.auth.namespaces.chat",
            "gateway.auth.jwt.jwks-url,        gateway.auth.jwt.jwks-uri",
            "gateway.outbound.overflow-policy, gateway.outbound.overflow",
    })
    void aMisspeltKeyIsRefusedWithTheNearestKnownOne(String key, String nearest) {
        assertThat(UnknownKeysCheck.checkProperty(key))
                .isEqualTo("unknown configuration key '" + key + "'; did you mean '" + nearest + "'?");
    }

    @Test
    void aKeyOfNoSettingIsRefused() {
        // (gateway.broker.type, the example, became a real key with the streams work)
        assertThat(UnknownKeysCheck.checkProperty("gateway.cluster.nodes"))
                .startsWith("unknown configuration key 'gateway.cluster.nodes'; did you mean 'gateway.");
        assertThat(UnknownKeysCheck.checkProperty("gateway.history.namespaces.chat.sise"))
                .isEqualTo("unknown configuration key 'gateway.history.namespaces.chat.sise'; did you mean "
                        + "'gateway.history.namespaces.<name>.size'?");
        assertThat(UnknownKeysCheck.checkProperty("gateway.history.namespaces.chat.size")).isNull();
        assertThat(UnknownKeysCheck.checkVariable("GATEWAY_HISTORY_NAMESPACES_CHAT_ROOM_TTL")).isNull();
    }

    @Test
    void aMisspeltEnvironmentVariableIsRefusedWithTheNearestKnownOne() {
        assertThat(UnknownKeysCheck.checkVariable("GATEWAY_HEARTBEAT_INTERVALL"))
                .isEqualTo("unknown configuration key 'GATEWAY_HEARTBEAT_INTERVALL' (environment variable); "
                        + "did you mean 'GATEWAY_HEARTBEAT_INTERVAL' (gateway.heartbeat.interval)?");
        assertThat(UnknownKeysCheck.checkVariable("GATEWAY_LIMITS_MAX_FRAME_BYTE"))
                .contains("did you mean 'GATEWAY_LIMITS_MAX_FRAME_BYTES' (gateway.limits.max-frame-bytes)?");
        assertThat(UnknownKeysCheck.checkVariable("GATEWAY_AUTH_NAMESPACES")).as("a map needs a key").isNotNull();
    }

    @Test
    void theEnvironmentCheckReportsEveryUnknownKeyWithWhereItWasSet() {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        Map.of("GATEWAY_LIVENESS_TIMEOUT", "5s", "GATEWAY_LIVENESS_TIMOUT", "5s", "PATH", "/bin")));
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("gateway.heartbeat.interval", "5s");
        arguments.put("gateway.heartbeat.intervall", "5s");
        environment.getPropertySources().addFirst(new MapPropertySource("test arguments", arguments));

        assertThatThrownBy(() -> new UnknownKeysCheck().postProcessEnvironment(environment, new SpringApplication()))
                .isInstanceOf(UnknownConfigurationKeyException.class)
                .hasMessage("unknown configuration key 'gateway.heartbeat.intervall'; did you mean "
                        + "'gateway.heartbeat.interval'? [property source 'test arguments']\n"
                        + "unknown configuration key 'GATEWAY_LIVENESS_TIMOUT' (environment variable); did you mean "
                        + "'GATEWAY_LIVENESS_TIMEOUT' (gateway.liveness.timeout)? [property source 'systemEnvironment']");
    }

    @Test
    void anEnvironmentOfKnownKeysPasses() {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test arguments",
                Map.of("gateway.auth.namespaces.chat", "claim", "server.port", "0")));

        assertThatNoException().isThrownBy(() -> new UnknownKeysCheck().postProcessEnvironment(environment, new SpringApplication()));
    }

    /** The README documents no key the gateway would refuse (and the check is derived, not a second list). */
    @Test
    void everyKeyTheReadmeDocumentsIsKnown() throws IOException {
        Pattern row = Pattern.compile("^\\| `(gateway\\.[^`]+)`");
        int documented = 0;
        for (String line : Files.readAllLines(readme())) {
            Matcher key = row.matcher(line);
            if (!key.find()) {
                continue;
            }
            documented++;
            String name = key.group(1).replace("<ns>", "chat");
            if (name.endsWith(".*")) {
                String group = name.substring(0, name.length() - 2);
                assertThat(UnknownKeysCheck.KEYS.all()).as(name).anyMatch(known -> known.startsWith(group + "."));
            } else {
                assertThat(UnknownKeysCheck.checkProperty(name)).as(name).isNull();
            }
        }
        assertThat(documented).isGreaterThan(20);
    }

    private static Path readme() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("README.md"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("a README.md above the working directory").isNotNull();
        return dir.resolve("README.md");
    }
}
