package org.pushgate.gateway.web;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;

import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorResponsesTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void theBodyIsTheDocumentedShapeWithTheCodeFirst() {
        assertThat(new String(ErrorResponses.body("bad_json", "request body is not valid JSON")))
                .isEqualTo("{\"error\":\"bad_json\",\"message\":\"request body is not valid JSON\"}");
    }

    @Test
    void anyMessageMakesValidJson() {
        String hostile = "quote \" backslash \\ newline \n nul \u0000 tab \t emoji \uD83D\uDE00 </script>";

        JsonNode body = JSON.readTree(ErrorResponses.body("forbidden", hostile));

        assertThat(body.get("error").stringValue()).isEqualTo("forbidden");
        assertThat(body.get("message").stringValue()).isEqualTo(hostile);
        assertThat(body.size()).isEqualTo(2);
    }

    @Test
    void aRefusedUpgradeGetsItsStatusJsonAndRetryAfter() {
        MockServerHttpResponse response = new MockServerHttpResponse();

        StepVerifier.create(ErrorResponses.write(response, HttpStatus.SERVICE_UNAVAILABLE, "max_connections",
                "connection refused: max connections; retry later", 5)).expectComplete().verify(Duration.ofSeconds(5));

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
        assertThat(response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
        assertThat(response.getHeaders().containsHeader(HttpHeaders.WWW_AUTHENTICATE)).isFalse();
        assertThat(response.getBodyAsString().block(Duration.ofSeconds(5)))
                .isEqualTo("{\"error\":\"max_connections\",\"message\":\"connection refused: max connections; retry later\"}");
    }

    @Test
    void unauthorizedNamesTheBearerSchemeAndHasNoRetryAfter() {
        MockServerHttpResponse response = new MockServerHttpResponse();

        StepVerifier.create(ErrorResponses.write(response, HttpStatus.UNAUTHORIZED, "unauthorized", "invalid API key", 0))
                .expectComplete().verify(Duration.ofSeconds(5));

        assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).isEqualTo("Bearer");
        assertThat(response.getHeaders().containsHeader(HttpHeaders.RETRY_AFTER)).isFalse();
    }
}
