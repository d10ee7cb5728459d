package org.pushgate.load.worker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.pushgate.load.client.Frames;
import org.pushgate.load.worker.CentrifugoWire.Kind;

class CentrifugoWireTest {

    @Test
    void theHandshakeIsConnectThenSubscribeInOneFrameWithTheChannelQuoted() {
        assertThat(CentrifugoWire.handshake("load \"q\"")).containsExactly(
                "{\"id\":1,\"connect\":{}}\n{\"id\":2,\"subscribe\":{\"channel\":\"load \\\"q\\\"\"}}");
    }

    @Test
    void theServersFramesAreToldApart() {
        String pub = "{\"push\":{\"channel\":\"c\",\"pub\":{\"data\":{\"t\":12,\"s\":3,\"p\":1},\"offset\":7}}}";
        assertThat(CentrifugoWire.kind(pub)).isEqualTo(Kind.PUB);
        assertThat(Frames.longField(pub, "offset", -1)).isEqualTo(7);
        assertThat(Frames.longField(pub, "t", -1)).isEqualTo(12);
        assertThat(Frames.longField(pub, "p", -1)).isEqualTo(1);
        assertThat(CentrifugoWire.kind("{}")).isEqualTo(Kind.PING);
        assertThat(CentrifugoWire.kind("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"offset\":0}}"))
                .isEqualTo(Kind.SUBSCRIBED);
        assertThat(CentrifugoWire.kind("{\"id\":1,\"connect\":{\"client\":\"x\",\"ping\":25,\"pong\":true}}"))
                .isEqualTo(Kind.CONNECTED);
        assertThat(CentrifugoWire.kind("{\"id\":2,\"error\":{\"code\":103,\"message\":\"permission denied\"}}"))
                .isEqualTo(Kind.ERROR);
        assertThat(CentrifugoWire.kind("{\"push\":{\"channel\":\"c\",\"unsubscribe\":{\"code\":2500}}}"))
                .as("a push that is no publication").isEqualTo(Kind.OTHER);
    }
}
