package org.pushgate.load.report;

import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

/**
 * The one Jackson mapper of the generator, for result files and the worker line protocol. Doubles are written
 * as the old hand-written writer did, so that result files read the same: NaN and infinities as {@code null}
 * (JSON has no NaN), integral values without a fraction ({@code 2}, not {@code 2.0}).
 */
public final class JsonCodec {

    public static final JsonMapper MAPPER = JsonMapper.builder()
            .addModule(new SimpleModule("load-doubles")
                    .addSerializer(Double.class, new DoubleSerializer())
                    .addSerializer(Double.TYPE, new DoubleSerializer()))
            .build();

    private static final JsonMapper PRETTY = MAPPER.rebuild().enable(SerializationFeature.INDENT_OUTPUT).build();

    private JsonCodec() {
    }

    /** One line, for the worker protocol. */
    public static String write(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    /** Indented, for result files. */
    public static String writePretty(Object value) {
        return PRETTY.writeValueAsString(value) + "\n";
    }

    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }

    public static JsonNode read(String text) {
        return MAPPER.readTree(text);
    }

    public static <T> T read(String text, Class<T> type) {
        return MAPPER.readValue(text, type);
    }

    private static final class DoubleSerializer extends ValueSerializer<Double> {
        @Override
        public void serialize(Double d, JsonGenerator g, SerializationContext ctxt) {
            if (d.isNaN() || d.isInfinite()) {
                g.writeNull();
            }
            else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                g.writeNumber(d.longValue());
            }
            else {
                g.writeNumber(d);
            }
        }
    }
}
