package org.pushgate.gateway.publish;

import java.util.LinkedHashMap;
import java.util.Map;

import org.pushgate.gateway.broker.Published;

import tools.jackson.databind.json.JsonMapper;

/**
 * The answer of {@code POST /api/publish}, {@code {"subscribers":n,"offset":k,"epoch":"e"}}, as the bytes Jackson
 * writes for it, built directly (no map, no generator): the numbers in decimal, the epoch as is. An epoch with a
 * character JSON would escape (a quote, a backslash, a control or non-ASCII character: never one the brokers make)
 * is left to Jackson, so the bytes are Jackson's in every case.
 */
final class PublishAnswer {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] SUBSCRIBERS = ascii("{\"subscribers\":");
    private static final byte[] OFFSET = ascii(",\"offset\":");
    private static final byte[] EPOCH = ascii(",\"epoch\":\"");
    private static final byte[] END = ascii("\"}");

    private PublishAnswer() {
    }

    static byte[] of(Published published) {
        String epoch = published.position().epoch();
        if (!plain(epoch)) {
            return JSON.writeValueAsBytes(map(published));
        }
        String subscribers = Integer.toString(published.reached());
        String offset = Long.toString(published.position().offset());
        byte[] out = new byte[SUBSCRIBERS.length + subscribers.length() + OFFSET.length + offset.length()
                + EPOCH.length + epoch.length() + END.length];
        int at = put(out, 0, SUBSCRIBERS);
        at = put(out, at, subscribers);
        at = put(out, at, OFFSET);
        at = put(out, at, offset);
        at = put(out, at, EPOCH);
        at = put(out, at, epoch);
        put(out, at, END);
        return out;
    }

    /** The same answer as the map the WebFlux route encodes (the keys in this order). */
    static Map<String, Object> map(Published published) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("subscribers", published.reached());
        body.put("offset", published.position().offset());
        body.put("epoch", published.position().epoch());
        return body;
    }

    /** Printable ASCII without the two characters JSON escapes in a string. */
    private static boolean plain(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private static int put(byte[] out, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, out, at, bytes.length);
        return at + bytes.length;
    }

    /** ASCII only (digits, or a string {@link #plain} accepted). */
    private static int put(byte[] out, int at, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            out[at++] = (byte) ascii.charAt(i);
        }
        return at;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
