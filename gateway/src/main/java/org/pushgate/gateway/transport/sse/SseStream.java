package org.pushgate.gateway.transport.sse;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.pushgate.gateway.protocol.OutboundFrame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * One SSE stream's encoding of the connection's frames into events, and the stream positions its event ids carry.
 * Touched only by the socket's writer, on its event loop, one frame at a time: no locks.
 *
 * <ul>
 *   <li>a message: {@code event: message}, {@code id:} (every channel's position, {@link SseEventId}), {@code data:}
 *       the message frame as on a WebSocket ({@code {"op":"message","channel":..,"offset":..,"data":..}});</li>
 *   <li>a {@code subscribed} reply: {@code event: subscribed} with the id (a fresh subscribe: the channel's
 *       position is the reply's; recovered: still the position recovered from, until the missed messages that
 *       follow move it); with {@code "recovered":false} {@code event: not_recovered} (the page reloads its state and
 *       goes on from the reply's position, which the id now carries);</li>
 *   <li>any other reply: {@code event: <op>} ({@code insufficient_state}, {@code connected}), no id; an error frame as
 *       {@code event: channel_error} (an event named {@code error} would reach the page's {@code onerror});</li>
 *   <li>a heartbeat: the comment {@code : hb}; a ping: nothing (SSE has no pong, and the pipeline sends none).</li>
 * </ul>
 * Every frame's data is compact JSON on one line, so one {@code data:} field carries it.
 */
final class SseStream {

    /** Sent first: the reconnect delay the browser uses, and a comment so that proxies pass the headers on. */
    static final int RETRY_MILLIS = 2000;
    static final byte[] PREAMBLE = ("retry: " + RETRY_MILLIS + "\n: pushgate\n\n").getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuf HEARTBEAT = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(": hb\n\n".getBytes(StandardCharsets.US_ASCII)));

    private final ByteBufAllocator allocator;
    private final List<String> channels;
    private final long[] offsets;
    private final String[] epochs;

    /** @param resume the positions the stream recovers from, which its ids carry until they move on */
    SseStream(ByteBufAllocator allocator, List<String> channels, SseEventId.Resume resume) {
        this.allocator = allocator;
        this.channels = channels;
        this.offsets = resume.offsets();
        this.epochs = resume.epochs();
    }

    /** @return the event to write (released by Netty after the write), or null for nothing */
    Object encode(OutboundFrame frame) {
        return switch (frame.kind()) {
            case MESSAGE -> {
                int i = channels.indexOf(frame.channel());
                if (i >= 0) {
                    offsets[i] = frame.offset();
                }
                yield event("message", i >= 0 ? id() : null, frame.payload());
            }
            case REPLY -> reply(frame.payload());
            case HEARTBEAT, HEARTBEAT_PING -> HEARTBEAT.duplicate(); // (the pipeline sends a stream no ping)
            case PING -> null;
        };
    }

    private ByteBuf reply(byte[] json) {
        String text = new String(json, StandardCharsets.UTF_8);
        String op = stringField(text, "op");
        if (!"subscribed".equals(op)) {
            // Not "error": an EventSource dispatches that name to the page's onerror, the handler of a lost connection.
            String name = op == null ? "reply" : op.equals("error") ? "channel_error" : op;
            return event(name, null, json);
        }
        int i = channels.indexOf(stringField(text, "channel"));
        boolean recovered = text.contains("\"recovered\":true");
        boolean notRecovered = text.contains("\"recovered\":false");
        String epoch = stringField(text, "epoch");
        // Recovered: the missed messages follow, and the position stays where the client was until each of them
        // moves it (a cut before they arrive must recover them again). Otherwise the stream goes on from the top.
        if (i >= 0 && !recovered && epoch != null) {
            epochs[i] = epoch;
            offsets[i] = longField(text, "offset");
        }
        return event(notRecovered ? "not_recovered" : "subscribed", i >= 0 ? id() : null, json);
    }

    /*
     * The replies are the gateway's own compact JSON (ServerFrames) with fields whose values need no escaping
     * (ops, channel names, epochs): read by a plain search rather than a JSON parser, which on first use takes its
     * deserializer cache's lock on this event loop. An SSE stream has no client ids that could echo a look-alike.
     */
    static String stringField(String json, String name) {
        String key = "\"" + name + "\":\"";
        int start = json.indexOf(key);
        if (start < 0) {
            return null;
        }
        start += key.length();
        int end = json.indexOf('"', start);
        return end < 0 ? null : json.substring(start, end);
    }

    static long longField(String json, String name) {
        String key = "\"" + name + "\":";
        int start = json.indexOf(key);
        if (start < 0) {
            return 0;
        }
        start += key.length();
        int end = start;
        while (end < json.length() && Character.isDigit(json.charAt(end))) {
            end++;
        }
        return end == start ? 0 : Long.parseLong(json.substring(start, end));
    }

    private String id() {
        return SseEventId.encode(offsets, epochs);
    }

    /**
     * The last event of a stream the gateway ends: {@code event: close}, data
     * {@code {"code":1001,"reason":"server shutting down","reconnect":true}}. The browser reconnects by itself
     * (after {@code retry}) unless the page closes its EventSource; {@code reconnect} says whether it should.
     */
    static ByteBuf closeEvent(ByteBufAllocator allocator, int code, String reason, boolean reconnect) {
        // The reasons are the gateway's own fixed texts (CloseReason): plain ASCII, no quote to escape.
        String json = "{\"code\":" + code + ",\"reason\":\"" + reason.replace("\"", "'") + "\",\"reconnect\":"
                + reconnect + "}";
        return write(allocator, "close", null, json.getBytes(StandardCharsets.UTF_8));
    }

    private ByteBuf event(String name, String id, byte[] data) {
        return write(allocator, name, id, data);
    }

    private static ByteBuf write(ByteBufAllocator allocator, String name, String id, byte[] data) {
        ByteBuf out = allocator.buffer(32 + name.length() + (id == null ? 0 : id.length()) + data.length);
        if (id != null) {
            out.writeCharSequence("id: ", StandardCharsets.US_ASCII);
            out.writeCharSequence(id, StandardCharsets.US_ASCII);
            out.writeByte('\n');
        }
        out.writeCharSequence("event: ", StandardCharsets.US_ASCII);
        out.writeCharSequence(name, StandardCharsets.US_ASCII);
        out.writeCharSequence("\ndata: ", StandardCharsets.US_ASCII);
        out.writeBytes(data);
        out.writeCharSequence("\n\n", StandardCharsets.US_ASCII);
        return out;
    }
}
