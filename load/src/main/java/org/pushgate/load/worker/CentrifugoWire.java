package org.pushgate.load.worker;

import java.util.List;

import org.pushgate.load.client.Frames;
import org.pushgate.load.report.JsonCodec;

/**
 * Centrifugo's JSON client protocol as the generator speaks it on the gateway's {@code /connection/websocket}
 * ({@code --protocol centrifugo}): the connect and subscribe commands in one frame (as centrifuge-js sends them),
 * then a classification of the server's frames without a full parse. A publication arrives as
 * {@code {"push":{"channel":..,"pub":{"data":{..},"offset":n}}}}: its {@code t}, {@code p} and {@code offset}
 * fields are read as on {@code /ws}; the server's ping {@code {}} is answered with {@code {}}.
 */
final class CentrifugoWire {

    /** The endpoint's default path. */
    static final String PATH = "/connection/websocket";

    /** The server frames the generator tells apart. */
    enum Kind { PUB, PING, SUBSCRIBED, CONNECTED, ERROR, OTHER }

    private static final String PUSH = "{\"push\":";

    private CentrifugoWire() {
    }

    /** One frame, two newline-separated commands: connect (anonymous), then subscribe to {@code channel}. */
    static List<String> handshake(String channel) {
        return List.of("{\"id\":1,\"connect\":{}}\n{\"id\":2,\"subscribe\":{\"channel\":" + JsonCodec.write(channel) + "}}");
    }

    static Kind kind(CharSequence frame) {
        if (startsWith(frame, PUSH)) {
            return Frames.hasField(frame, "pub") ? Kind.PUB : Kind.OTHER; // else: unsubscribe, disconnect
        }
        if (frame.length() == 2 && frame.charAt(0) == '{' && frame.charAt(1) == '}') {
            return Kind.PING;
        }
        if (Frames.hasField(frame, "error")) {
            return Kind.ERROR;
        }
        if (Frames.hasField(frame, "subscribe")) {
            return Kind.SUBSCRIBED;
        }
        if (Frames.hasField(frame, "connect")) {
            return Kind.CONNECTED;
        }
        return Kind.OTHER;
    }

    private static boolean startsWith(CharSequence s, String prefix) {
        if (s.length() < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (s.charAt(i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
