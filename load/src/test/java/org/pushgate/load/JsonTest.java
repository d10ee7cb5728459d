package org.pushgate.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {

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

        for (String text : List.of(Json.write(m), Json.writePretty(m))) {
            Map<String, Object> back = Json.parseObject(text);
            assertThat(back.get("s")).isEqualTo(m.get("s"));
            assertThat(back.get("i")).isEqualTo(42L);
            assertThat(back.get("d")).isEqualTo(1.5);
            assertThat(back.get("b")).isEqualTo(true);
            assertThat(back).containsKey("n");
            assertThat(back.get("n")).isNull();
            assertThat(back.get("l")).isEqualTo(List.of(1L, 2L, 3L));
            assertThat(back.get("o")).isEqualTo(Map.of("k", "v"));
            assertThat(back.get("arr")).isEqualTo(List.of(7L, 8L));
        }
    }

    @Test
    void keepsKeyOrderAndWritesIntegralDoublesAsIntegers() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", 2.0);
        m.put("a", Double.NaN);
        assertThat(Json.write(m)).isEqualTo("{\"z\":2,\"a\":null}");
    }

    @Test
    void parsesUnicodeEscapesExponentsAndWhitespace() {
        Object v = Json.parse(" { \"x\" : [ 1e3 , -2 , \"\\u00e9\" ] } ");
        assertThat(v).isEqualTo(Map.of("x", List.of(1000.0, -2L, "é")));
    }

    @Test
    void rejectsMalformedText() {
        assertThatThrownBy(() -> Json.parse("{\"a\":1,}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.parse("[1 2]")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.parse("{} x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.parseObject("[1]")).isInstanceOf(IllegalArgumentException.class);
    }
}
