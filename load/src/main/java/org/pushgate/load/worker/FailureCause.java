package org.pushgate.load.worker;

import java.util.Locale;
import java.util.concurrent.TimeoutException;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;

/**
 * Names the cause of a failed connection attempt, so that a report counts failures by cause: the gateway's
 * admission valve answering 503 ({@code rejected_503}) is an expected outcome of a limit, distinct from errors
 * such as running out of ephemeral ports or file descriptors on the generator's side.
 */
public final class FailureCause {

    public static final String REJECTED_503 = "rejected_503";

    private FailureCause() {
    }

    public static String of(Throwable error) {
        Throwable t = error;
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof WebSocketClientHandshakeException h) {
                String status = statusOf(h);
                if (status != null) {
                    return status.equals("503") ? REJECTED_503 : "http_" + status;
                }
            }
            if (t instanceof ConnectTimeoutException || t instanceof TimeoutException) {
                return "timeout";
            }
            String cause = fromMessage(t.getMessage());
            if (cause != null) {
                return cause;
            }
        }
        return "other:" + error.getClass().getSimpleName();
    }

    private static String statusOf(WebSocketClientHandshakeException h) {
        try {
            if (h.response() != null) {
                return String.valueOf(h.response().status().code());
            }
        }
        catch (RuntimeException | LinkageError ignored) {
            // Older Netty without response(): the message still carries the status.
        }
        String m = h.getMessage();
        if (m != null) {
            java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("(?:getStatus|status):? ?(\\d{3})").matcher(m);
            if (matcher.find()) {
                return matcher.group(1);
            }
        }
        return null;
    }

    /** Classifies by the (JDK or native transport) message; null when it says nothing we know. */
    static String fromMessage(String message) {
        if (message == null) {
            return null;
        }
        String m = message.toLowerCase(Locale.ROOT);
        if (m.contains("503")) {
            return REJECTED_503;
        }
        if (m.contains("connection refused")) {
            return "connect_refused";
        }
        if (m.contains("cannot assign requested address") || m.contains("address already in use")
                || m.contains("address not available")) {
            return "no_ephemeral_port";
        }
        if (m.contains("too many open files")) {
            return "fd_limit";
        }
        if (m.contains("timed out") || m.contains("timeout")) {
            return "timeout";
        }
        if (m.contains("connection reset")) {
            return "reset";
        }
        if (m.contains("prematurely closed") || m.contains("closed before")) {
            return "closed_during_handshake";
        }
        return null;
    }
}
