package org.pushgate.gateway.it.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.RunningGateway;
import org.pushgate.gateway.redis.RedisServer;

/**
 * While the broker does not answer, Centrifugo's server API answers as /api does: 503 with Retry-After, with
 * Centrifugo's error 100 as the body, and nothing hangs (a real Redis, killed).
 */
@Timeout(90)
class ServerApiBrokerDownTest {

    @Test
    void withRedisGoneEveryCommandAnswers503WithRetryAfter() {
        try (RedisServer redis = RedisServer.start();
             RunningGateway gateway = RunningGateway.start("gateway.broker.type=redis",
                     "gateway.broker.redis.uris=" + redis.uri(), "gateway.broker.redis.timeout=500ms",
                     "gateway.broker.redis.reconnect-max-delay=200ms")) {
            GatewayProbe probe = gateway.probe();
            assertThat(probe.post("/centrifugo/api/publish", "{\"channel\":\"cf-down\",\"data\":1}").status()).isEqualTo(200);

            redis.kill();

            for (String[] request : new String[][] {
                    {"/centrifugo/api/publish", "{\"channel\":\"cf-down\",\"data\":2}"},
                    {"/centrifugo/api/broadcast", "{\"channels\":[\"cf-down\"],\"data\":3}"},
                    {"/centrifugo/api/history", "{\"channel\":\"cf-down\",\"limit\":1}"},
                    {"/centrifugo/api", "{\"method\":\"publish\",\"params\":{\"channel\":\"cf-down\",\"data\":4}}"}}) {
                GatewayProbe.Response response = probe.post(request[0], request[1]);

                assertThat(response.status()).as(request[0] + " -> " + response).isEqualTo(503);
                assertThat(response.header("Retry-After")).isEqualTo("1");
                assertThat(response.json().get("error").get("code").asInt()).isEqualTo(100);
            }
        }
    }
}
