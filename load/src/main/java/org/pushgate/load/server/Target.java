package org.pushgate.load.server;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

import org.pushgate.load.client.Frames;

/**
 * The server under test, as far as the generator needs to know it: where a subscriber connects, how a message is
 * published, and what a delivered text frame is. Everything else (ramps, pacing, latency, the report) is the same
 * code for every target, so that a side-by-side run differs only in the server.
 *
 * <p>The published data is the same for both: {@code {"t":<send nanoTime>,"s":seq,"p":phase,"pad":"..."}}.
 * pushgate wraps it in its publish body and delivers it inside a {@code {"op":"message",...,"data":...}} frame;
 * Nchan takes it as the raw request body and delivers exactly those bytes as the frame.
 */
public enum Target {

    /** This gateway: {@code /ws?channel=c}, {@code POST /api/publish}, JSON frames with an {@code op}. */
    PUSHGATE {
        @Override
        public String subscriberUri(String wsPath, String channel) {
            return wsPath + "?channel=" + URLEncoder.encode(channel, StandardCharsets.UTF_8);
        }

        @Override
        public String publishUri(String channel) {
            return "/api/publish";
        }

        @Override
        public String publishBody(String channel, String data) {
            return Frames.publishBody(channel, data);
        }

        @Override
        public boolean accepted(int status) {
            return status == 200;
        }
    },

    /**
     * nginx with Nchan (load/nchan/nginx.conf): {@code /sub/{channel}} (nchan_subscriber websocket),
     * {@code POST /pub/{channel}} with the raw body (answered 201 with subscribers, 202 without), and every text
     * frame is one message's body.
     */
    NCHAN {
        @Override
        public String subscriberUri(String wsPath, String channel) {
            return "/sub/" + URLEncoder.encode(channel, StandardCharsets.UTF_8);
        }

        @Override
        public String publishUri(String channel) {
            return "/pub/" + URLEncoder.encode(channel, StandardCharsets.UTF_8);
        }

        @Override
        public String publishBody(String channel, String data) {
            return data;
        }

        @Override
        public boolean accepted(int status) {
            return status == 201 || status == 202;
        }

        @Override
        public boolean rawFrames() {
            return true;
        }

        @Override
        public boolean isJvm() {
            return false;
        }
    },

    /**
     * The JVM floor ({@code org.pushgate.load.bench.NettyFloor}): plain Netty speaking Nchan's API, to show what any
     * server on this JVM and this Netty costs for the same work. A JVM ({@code jcmd} forces its GC before memory is
     * read) without an actuator.
     */
    FLOOR {
        @Override
        public String subscriberUri(String wsPath, String channel) {
            return NCHAN.subscriberUri(wsPath, channel);
        }

        @Override
        public String publishUri(String channel) {
            return NCHAN.publishUri(channel);
        }

        @Override
        public String publishBody(String channel, String data) {
            return data;
        }

        @Override
        public boolean accepted(int status) {
            return NCHAN.accepted(status);
        }

        @Override
        public boolean rawFrames() {
            return true;
        }

        @Override
        public boolean hasActuator() {
            return false;
        }
    };

    /** The WebSocket URI (path and query) of a subscriber of {@code channel}. */
    public abstract String subscriberUri(String wsPath, String channel);

    /** The path a message for {@code channel} is POSTed to. */
    public abstract String publishUri(String channel);

    /** The request body that publishes {@code data} (a JSON object) to {@code channel}. */
    public abstract String publishBody(String channel, String data);

    /** Whether an HTTP status answers a publish as accepted. */
    public abstract boolean accepted(int status);

    /** Whether every text frame is a delivered message's data (no envelope, no acks, no heartbeats). */
    public boolean rawFrames() {
        return false;
    }

    /**
     * Whether the server is this gateway's JVM: it answers {@code /actuator/prometheus}, and {@code jcmd} can force
     * a GC in it before memory is read.
     */
    public boolean isJvm() {
        return true;
    }

    /** Whether the server answers {@code /actuator/prometheus} (and runs every scenario): the gateway only. */
    public boolean hasActuator() {
        return isJvm();
    }

    /** The option's spelling: {@code pushgate}, {@code nchan}, {@code floor}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The target named {@code id}; an {@link IllegalArgumentException} naming the choices when there is none. */
    public static Target of(String id) {
        for (Target t : values()) {
            if (t.id().equals(id)) {
                return t;
            }
        }
        throw new IllegalArgumentException("--target must be one of "
                + String.join(", ", Arrays.stream(values()).map(Target::id).toList()) + " (not '" + id + "')");
    }
}
