package org.pushgate.gateway.it.support;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** JSON for test clients: frames parsed once, on whichever thread received them (parsing never blocks). */
public final class Json {

    public static final JsonMapper MAPPER = JsonMapper.builder().build();

    static {
        // Loads Jackson's parser classes on a thread that may block, before any event loop parses a frame.
        MAPPER.readTree("{\"op\":\"warm-up\",\"id\":1,\"data\":[1.5,\"x\",null,true]}");
    }

    private Json() {
    }

    public static JsonNode parse(String text) {
        return MAPPER.readTree(text);
    }

    /** The string value of {@code field}, or null when absent. */
    public static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    public static boolean isOp(JsonNode frame, String op) {
        return op.equals(text(frame, "op"));
    }
}
