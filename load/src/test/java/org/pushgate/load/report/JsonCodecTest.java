package org.pushgate.load.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.pushgate.load.worker.WorkerResult;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

class JsonCodecTest {

    @Test
    void writesAndReadsBackNestedValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a \"quoted\" \\ line\nbreak\t\u0001");
        m.put("i", 42L);
        m.put("d", 1.5);
        m.put("b", true);
        m.put("n", null);
        m.put("l", List.of(1L, 2L, 3L));
        m.put("o", Map.of("k", "v"));
        m.put("arr", new long[] {7, 8});

        for (String text : List.of(JsonCodec.write(m), JsonCodec.writePretty(m))) {
            JsonNode back = JsonCodec.read(text);
            assertThat(back.path("s").asString()).isEqualTo(m.get("s"));
            assertThat(back.path("i").asLong()).isEqualTo(42L);
            assertThat(back.path("d").asDouble()).isEqualTo(1.5);
            assertThat(back.path("b").asBoolean()).isTrue();
            assertThat(back.has("n")).isTrue();
            assertThat(back.path("n").isNull()).isTrue();
            assertThat(back.path("l").toString()).isEqualTo("[1,2,3]");
            assertThat(back.path("o").path("k").asString()).isEqualTo("v");
            assertThat(back.path("arr").toString()).isEqualTo("[7,8]");
        }
    }

    @Test
    void keepsKeyOrderAndWritesIntegralDoublesAsIntegers() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", 2.0);
        m.put("a", Double.NaN);
        assertThat(JsonCodec.write(m)).isEqualTo("{\"z\":2,\"a\":null}");
    }

    @Test
    void writesRecordsWithTheirComponentNames() {
        Report.Check c = new Report.Check("delivery ratio", true, "1.0");
        assertThat(JsonCodec.write(c)).isEqualTo("{\"name\":\"delivery ratio\",\"pass\":true,\"detail\":\"1.0\"}");
    }

    @Test
    void parsesUnicodeEscapesExponentsAndWhitespace() {
        JsonNode v = JsonCodec.read(" { \"x\" : [ 1e3 , -2 , \"\\u00e9\" ] } ");
        assertThat(v.path("x").get(0).asDouble()).isEqualTo(1000.0);
        assertThat(v.path("x").get(1).asLong()).isEqualTo(-2L);
        assertThat(v.path("x").get(2).asString()).isEqualTo("é");
    }

    @Test
    void rejectsMalformedText() {
        assertThatThrownBy(() -> JsonCodec.read("{\"a\":1,}")).isInstanceOf(JacksonException.class);
        assertThatThrownBy(() -> JsonCodec.read("[1 2]")).isInstanceOf(JacksonException.class);
        assertThatThrownBy(() -> JsonCodec.read("{} x")).isInstanceOf(JacksonException.class);
        assertThatThrownBy(() -> JsonCodec.read("[1]", WorkerResult.class)).isInstanceOf(JacksonException.class);
    }
}
