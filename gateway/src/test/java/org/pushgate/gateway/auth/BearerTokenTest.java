package org.pushgate.gateway.auth;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;

import static org.assertj.core.api.Assertions.assertThat;

class BearerTokenTest {

    @ParameterizedTest(name = "[{0}] -> [{1}]")
    @CsvSource(delimiter = '|', value = {
            "Bearer abc.def.ghi   | abc.def.ghi",
            "bearer abc           | abc",
            "BEARER   abc         | abc",
            "'Bearer abc  '       | abc",
    })
    void theCredentialFollowsTheSchemeInAnyCase(String header, String credential) {
        assertThat(BearerToken.parse(header)).isEqualTo(credential);
    }

    @ParameterizedTest(name = "[{0}] has no bearer credential")
    @NullSource
    @CsvSource(delimiter = '|', value = {"''", "Bearer", "'Bearer '", "'Bearer    '", "Basic dXNlcjpwYXNz", "Bearerabc", "Token abc"})
    void noCredentialIsNull(String header) {
        assertThat(BearerToken.parse(header)).isNull();
    }
}
