package org.pushgate.load.client;

import org.pushgate.load.report.JsonCodec;

/**
 * The gateway's JSON frames, as far as the generator needs them: building client frames and publish bodies,
 * and picking fields out of server frames without a full parse (a fan-out run decodes tens of thousands of
 * frames per second on a shared 2-core machine).
 *
 * <p>Published data is {@code {"t":<System.nanoTime() at send>,"s":<seq>,"p":<phase>,"pad":"..."}}. The
 * generator's processes all run on one machine, and on Linux {@code System.nanoTime()} reads
 * CLOCK_MONOTONIC, which is one clock for every process, so the receive-side difference is meaningful even
 * when the publisher and the subscriber are different JVMs.
 */
public final class Frames {

    private Frames() {
    }

    public static String subscribe(String channel, long id) {
        StringBuilder sb = new StringBuilder(48).append("{\"op\":\"subscribe\",\"channel\":");
        quote(sb, channel);
        return sb.append(",\"id\":").append(id).append('}').toString();
    }

    public static String unsubscribe(String channel, long id) {
        StringBuilder sb = new StringBuilder(48).append("{\"op\":\"unsubscribe\",\"channel\":");
        quote(sb, channel);
        return sb.append(",\"id\":").append(id).append('}').toString();
    }

    /** The data object of a published message; {@code pad} makes the frame about {@code payloadBytes} long. */
    public static String data(long sendNanos, long seq, int phase, String pad) {
        StringBuilder sb = new StringBuilder(48 + pad.length());
        sb.append("{\"t\":").append(sendNanos).append(",\"s\":").append(seq).append(",\"p\":").append(phase);
        if (!pad.isEmpty()) {
            sb.append(",\"pad\":\"").append(pad).append('"');
        }
        return sb.append('}').toString();
    }

    public static String publishBody(String channel, String data) {
        StringBuilder sb = new StringBuilder(32 + data.length()).append("{\"channel\":");
        quote(sb, channel);
        return sb.append(",\"data\":").append(data).append('}').toString();
    }

    public static String broadcastBody(Iterable<String> channels, String data) {
        StringBuilder sb = new StringBuilder(64 + data.length()).append("{\"channels\":[");
        boolean first = true;
        for (String c : channels) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            quote(sb, c);
        }
        return sb.append("],\"data\":").append(data).append('}').toString();
    }

    public static String pad(int payloadBytes) {
        // ~60 bytes of envelope and fields around the pad.
        return "x".repeat(Math.max(0, payloadBytes - 60));
    }

    /** The value of a string field such as {@code "op"}; null when absent. */
    public static String stringField(CharSequence frame, String key) {
        int i = valueStart(frame, key);
        if (i < 0 || i >= frame.length() || frame.charAt(i) != '"') {
            return null;
        }
        int end = i + 1;
        StringBuilder sb = null;
        while (end < frame.length()) {
            char c = frame.charAt(end);
            if (c == '\\') {
                // Rare here (error messages): fall back to a careful copy.
                if (sb == null) {
                    sb = new StringBuilder().append(frame, i + 1, end);
                }
                if (end + 1 < frame.length()) {
                    sb.append(frame.charAt(end + 1));
                }
                end += 2;
                continue;
            }
            if (c == '"') {
                return sb == null ? frame.subSequence(i + 1, end).toString() : sb.toString();
            }
            if (sb != null) {
                sb.append(c);
            }
            end++;
        }
        return null;
    }

    /** The value of an integral number field such as {@code "t"}; {@code missing} when absent or not a number. */
    public static long longField(CharSequence frame, String key, long missing) {
        int i = valueStart(frame, key);
        if (i < 0 || i >= frame.length()) {
            return missing;
        }
        boolean negative = false;
        if (frame.charAt(i) == '-') {
            negative = true;
            i++;
        }
        long v = 0;
        int digits = 0;
        while (i < frame.length()) {
            char c = frame.charAt(i);
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
            digits++;
            i++;
        }
        if (digits == 0) {
            return missing;
        }
        return negative ? -v : v;
    }

    /** Whether the string field {@code key} is exactly {@code value} (no escapes), without making a String. */
    public static boolean stringFieldIs(CharSequence frame, String key, String value) {
        int i = valueStart(frame, key);
        int end = i + 1 + value.length();
        if (i < 0 || end >= frame.length() || frame.charAt(i) != '"' || frame.charAt(end) != '"') {
            return false;
        }
        for (int j = 0; j < value.length(); j++) {
            if (frame.charAt(i + 1 + j) != value.charAt(j)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The bytes of a received frame as characters, without decoding them into a String: one byte, one char,
     * which is exact for the ASCII the generator looks at (field names, numbers, the op). The view is only valid
     * while the buffer is.
     */
    public static final class ByteChars implements CharSequence {
        private final io.netty.buffer.ByteBuf bytes;
        private final int offset;
        private final int length;

        public ByteChars(io.netty.buffer.ByteBuf bytes) {
            this(bytes, bytes.readerIndex(), bytes.readableBytes());
        }

        private ByteChars(io.netty.buffer.ByteBuf bytes, int offset, int length) {
            this.bytes = bytes;
            this.offset = offset;
            this.length = length;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public char charAt(int index) {
            return (char) (bytes.getByte(offset + index) & 0xFF);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new ByteChars(bytes, offset + start, end - start);
        }

        @Override
        public String toString() {
            return bytes.toString(offset, length, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Whether the frame has a field {@code "key":} (at any depth). */
    public static boolean hasField(CharSequence frame, String key) {
        return valueStart(frame, key) >= 0;
    }

    /** Index of the first character of the value of {@code "key":}, or -1. */
    public static int valueStart(CharSequence frame, String key) {
        int n = frame.length();
        int k = key.length();
        outer:
        for (int i = 0; i + k + 2 < n; i++) {
            if (frame.charAt(i) != '"' || frame.charAt(i + k + 1) != '"') {
                continue;
            }
            for (int j = 0; j < k; j++) {
                if (frame.charAt(i + 1 + j) != key.charAt(j)) {
                    continue outer;
                }
            }
            int p = i + k + 2;
            while (p < n && Character.isWhitespace(frame.charAt(p))) {
                p++;
            }
            if (p >= n || frame.charAt(p) != ':') {
                // A string value equal to the key (e.g. "channel":"op"): keep looking.
                continue;
            }
            p++;
            while (p < n && Character.isWhitespace(frame.charAt(p))) {
                p++;
            }
            return p;
        }
        return -1;
    }
    /** A JSON string literal (channel names come from options: quotes and control characters are escaped). */
    private static void quote(StringBuilder sb, String s) {
        sb.append(JsonCodec.write(s));
    }
}
