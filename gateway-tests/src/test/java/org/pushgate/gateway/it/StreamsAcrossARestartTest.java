package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.LeakGuard;
import org.pushgate.gateway.it.support.RunningGateway;
import org.pushgate.gateway.it.support.TestClient;

import tools.jackson.databind.JsonNode;

/** A restart of the embedded engine loses every stream: a new epoch, so a client's old position is refused. */
@ExtendWith(LeakGuard.class)
class StreamsAcrossARestartTest {

    @Test
    void afterAGatewayRestartAPositionFromBeforeIsNotRecovered() {
        String epoch;
        try (RunningGateway gateway = RunningGateway.start()) {
            epoch = gateway.probe().publish("restarts", "1").json().get("epoch").asString();
        }
        try (RunningGateway gateway = RunningGateway.start();
             TestClient client = TestClient.connect(gateway.probe().ws())) {
            int id = client.nextId();
            client.send("{\"op\":\"subscribe\",\"channel\":\"restarts\",\"id\":" + id
                    + ",\"since\":{\"offset\":1,\"epoch\":\"" + epoch + "\"}}");
            JsonNode reply = client.reply(id);
            assertThat(reply.get("recovered").asBoolean()).isFalse();
            assertThat(Json.text(reply, "epoch")).isNotEqualTo(epoch);
            assertThat(reply.get("offset").asLong()).isZero();
        }
    }
}
