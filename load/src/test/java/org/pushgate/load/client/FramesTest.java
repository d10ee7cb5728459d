package org.pushgate.load.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.pushgate.load.report.JsonCodec;

class FramesTest {

    @Test
    void readsTheFieldsOfAMessageFrameWhateverTheirOrder() {
        String frame = "{\"data\":{\"t\":123456789,\"s\":5,\"p\":1,\"pad\":\"xxxx\"},\"op\":\"message\","
                + "\"channel\":\"news\",\"offset\":17}";
        assertThat(Frames.stringField(frame, "op")).isEqualTo("message");
        assertThat(Frames.longField(frame, "t", -1)).isEqualTo(123456789L);
        assertThat(Frames.longField(frame, "p", -1)).isEqualTo(1L);
        assertThat(Frames.longField(frame, "offset", -1)).isEqualTo(17L);
    }

    @Test
    void readsAMessageFrameStraightFromNettysBufferWithoutAString() {
        String frame = "{\"op\":\"message\",\"channel\":\"news\",\"offset\":17,\"data\":{\"t\":123456789,\"s\":5,\"p\":1}}";
        io.netty.buffer.ByteBuf buf = io.netty.buffer.Unpooled.copiedBuffer("xx" + frame, java.nio.charset.StandardCharsets.UTF_8);
        buf.skipBytes(2); // a reader index other than 0
        CharSequence chars = new Frames.ByteChars(buf);
        assertThat(Frames.stringFieldIs(chars, "op", "message")).isTrue();
        assertThat(Frames.stringFieldIs(chars, "op", "messag")).isFalse();
        assertThat(Frames.stringFieldIs(chars, "op", "heartbeat")).isFalse();
        assertThat(Frames.stringFieldIs(chars, "channel", "news")).isTrue();
        assertThat(Frames.longField(chars, "t", -1)).isEqualTo(123456789L);
        assertThat(Frames.longField(chars, "p", -1)).isEqualTo(1L);
        assertThat(Frames.stringField(chars, "channel")).isEqualTo("news");
        assertThat(chars.toString()).isEqualTo(frame);
        assertThat(Frames.stringFieldIs(new Frames.ByteChars(io.netty.buffer.Unpooled.copiedBuffer("{\"op\":\"message",
                java.nio.charset.StandardCharsets.UTF_8)), "op", "message")).as("unterminated").isFalse();
        buf.release();
    }

    @Test
    void toleratesWhitespaceAndSkipsStringValuesThatLookLikeKeys() {
        String frame = "{ \"channel\" : \"op\", \"op\" : \"subscribed\" , \"id\" : 7 }";
        assertThat(Frames.stringField(frame, "op")).isEqualTo("subscribed");
        assertThat(Frames.longField(frame, "id", -1)).isEqualTo(7L);
    }

    @Test
    void missingOrNonNumericFieldsGiveTheDefault() {
        assertThat(Frames.longField("{\"op\":\"heartbeat\"}", "t", -1)).isEqualTo(-1L);
        assertThat(Frames.longField("{\"t\":\"abc\"}", "t", -1)).isEqualTo(-1L);
        assertThat(Frames.longField("{\"t\":-5}", "t", 0)).isEqualTo(-5L);
        assertThat(Frames.stringField("{\"op\":5}", "op")).isNull();
        assertThat(Frames.stringField("{}", "op")).isNull();
    }

    @Test
    void unescapesErrorCodesAndMessages() {
        String frame = "{\"op\":\"error\",\"id\":1,\"code\":\"bad_request\",\"message\":\"a \\\"quoted\\\" word\"}";
        assertThat(Frames.stringField(frame, "code")).isEqualTo("bad_request");
        assertThat(Frames.stringField(frame, "message")).isEqualTo("a \"quoted\" word");
    }

    @Test
    void buildsClientFramesAndPublishBodiesThatAreValidJson() {
        assertThat(fields(Frames.subscribe("a\"b", 3))).isEqualTo(Map.of("op", "subscribe", "channel", "a\"b", "id", "3"));
        assertThat(fields(Frames.unsubscribe("news", 4))).isEqualTo(Map.of("op", "unsubscribe", "channel", "news", "id", "4"));
        String data = Frames.data(99, 2, 1, Frames.pad(100));
        tools.jackson.databind.JsonNode body = JsonCodec.read(Frames.publishBody("news", data));
        assertThat(body.path("channel").asString()).isEqualTo("news");
        assertThat(body.path("data").path("t").asLong()).isEqualTo(99L);
        assertThat(body.path("data").path("s").asLong()).isEqualTo(2L);
        assertThat(body.path("data").path("p").asLong()).isEqualTo(1L);
        assertThat(Frames.publishBody("news", data).length()).isBetween(90, 130);
        assertThat(fields(Frames.broadcastBody(List.of("a", "b"), "1"))).isEqualTo(Map.of("channels", "[\"a\",\"b\"]",
                "data", "1"));
    }

    /** A JSON object's properties, each value as its JSON text (strings unquoted). */
    private static Map<String, String> fields(String json) {
        Map<String, String> out = new java.util.HashMap<>();
        JsonCodec.read(json).properties()
                .forEach(e -> out.put(e.getKey(), e.getValue().isString() ? e.getValue().asString() : e.getValue().toString()));
        return out;
    }
}
