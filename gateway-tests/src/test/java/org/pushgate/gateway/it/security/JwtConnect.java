package org.pushgate.gateway.it.security;

import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.RawWebSocket;

import tools.jackson.databind.JsonNode;

/** The two ends of a connect frame with a token, as the key and JWKS tests need them again and again. */
final class JwtConnect {

    private JwtConnect() {
    }

    /**
     * Upgrades, sends a connect with {@code token} and waits for the personal channel; fails if the gateway
     * refuses. Returns the client with {@code connected} and {@code subscribed} among its frames.
     */
    static RawWebSocket authenticated(int port, String token) {
        RawWebSocket client = RawWebSocket.upgrade(port, "/ws");
        client.sendConnect(token, 0);
        JsonNode connected = client.reply(0);
        if (!Json.isOp(connected, "connected")) {
            client.close();
            throw new AssertionError("connect refused: " + connected);
        }
        String personal = "user:" + Json.text(connected, "user");
        client.await(f -> Json.isOp(f, "subscribed") && personal.equals(Json.text(f, "channel")), personal);
        return client;
    }

    /** Upgrades, sends a connect with {@code token} and returns the code the gateway closed with. */
    static int refusedCloseCode(int port, String token) {
        try (RawWebSocket client = RawWebSocket.upgrade(port, "/ws")) {
            client.sendConnect(token, 0);
            int code = client.awaitClose();
            if (client.frames().stream().anyMatch(f -> Json.isOp(f, "connected") || Json.isOp(f, "subscribed"))) {
                throw new AssertionError("refused token still connected or subscribed: " + client.frames());
            }
            return code;
        }
    }
}
