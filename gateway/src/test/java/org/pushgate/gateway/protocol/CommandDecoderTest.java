package org.pushgate.gateway.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class CommandDecoderTest {

    final CommandDecoder decoder = new CommandDecoder(new ChannelNames(16), 4096, 8192);

    @Test
    void decodesSubscribeAndUnsubscribeWithTheirIds() {
        ClientCommand sub = decoder.decode("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":1}");
        assertThat(sub).isInstanceOf(ClientCommand.Subscribe.class);
        assertThat(((ClientCommand.Subscribe) sub).channel()).isEqualTo("news");
        assertThat(sub.id().intValue()).isEqualTo(1);

        ClientCommand unsub = decoder.decode("{\"op\":\"unsubscribe\",\"channel\":\"user:42\",\"id\":\"a\"}");
        assertThat(unsub).isInstanceOf(ClientCommand.Unsubscribe.class);
        assertThat(unsub.id().stringValue()).isEqualTo("a");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "not json|bad_json",
            "{\"op\":|bad_json",
            "[1,2]|bad_frame",
            "42|bad_frame",
            "{\"channel\":\"a\"}|bad_frame",
            "{\"op\":7}|bad_frame",
            "{\"op\":\"subscribe\",\"channel\":\"a\",\"id\":{}}|bad_frame",
            "{\"op\":\"publish\",\"channel\":\"a\"}|unknown_op",
            "{\"op\":\"subscribe\"}|invalid_channel",
            "{\"op\":\"subscribe\",\"channel\":5}|invalid_channel",
            "{\"op\":\"subscribe\",\"channel\":\"\"}|invalid_channel",
            "{\"op\":\"subscribe\",\"channel\":\"has space\"}|invalid_channel",
            "{\"op\":\"subscribe\",\"channel\":\"quote\\\"\"}|invalid_channel",
            "{\"op\":\"subscribe\",\"channel\":\"seventeen-chars-x\"}|invalid_channel",
    })
    void everyMalformedFrameGetsItsDocumentedCode(String frame, String code) {
        ClientCommand command = decoder.decode(frame);
        assertThat(command).isInstanceOf(ClientCommand.Invalid.class);
        assertThat(((ClientCommand.Invalid) command).code().wire()).isEqualTo(code);
    }

    @Test
    void deeplyNestedFramesAreRefusedWithoutRecursionTrouble() {
        String deep = "{\"op\":\"subscribe\",\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
        ClientCommand command = decoder.decode(deep);
        assertThat(command).isInstanceOf(ClientCommand.Invalid.class);
        assertThat(((ClientCommand.Invalid) command).code()).isEqualTo(ErrorCode.BAD_JSON);
    }

    @Test
    void messageFramesEmbedTheDataVerbatim() {
        OutboundFrame frame = ServerFrames.message("a:b", 7, "{\"k\":[1,\"2\"]}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(frame.text()).isEqualTo("{\"op\":\"message\",\"channel\":\"a:b\",\"offset\":7,\"data\":{\"k\":[1,\"2\"]}}");
    }

    @Test
    void errorFramesEscapeTheirMessage() {
        OutboundFrame frame = ServerFrames.error(ErrorCode.BAD_JSON, "a \"quoted\" word", null);
        assertThat(frame.text()).isEqualTo("{\"op\":\"error\",\"code\":\"bad_json\",\"message\":\"a \\\"quoted\\\" word\"}");
    }
}
