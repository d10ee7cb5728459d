package org.pushgate.gateway.transport.sse;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code id:} of an SSE event: the stream position of every channel of the stream, so that the browser's own
 * reconnect (it sends the last id it saw as {@code Last-Event-ID}) lets the gateway recover each channel.
 *
 * <p>Format: one entry per channel of the stream, in the order of the request's {@code channel} parameters (the
 * EventSource reconnects with the same URL), joined by {@code ,}; an entry is {@code <offset>:<epoch>}, or empty
 * while the gateway has not told the client that channel's position yet. Two channels at offsets 41 and 7:
 * {@code 41:k3x9q,7:2hf0a}. Channel names are left out: they are in the URL, and an id that repeated them would
 * double the request line in every reconnect's headers. The length is bounded: at most
 * {@code gateway.limits.max-subscriptions-per-connection} entries of at most 20 + 1 + 64 characters.
 */
final class SseEventId {

    /** Neither offsets nor epochs (base 36) contain it, nor do SSE ids forbid it. */
    static final char SEPARATOR = ',';

    /** An epoch no stream has (epochs are base 36): recovering from it always answers {@code recovered:false}. */
    static final String UNKNOWN_EPOCH = "-";

    private static final int MAX_ENTRY = 20 + 1 + 64;

    private SseEventId() {
    }

    /** @param offsets and epochs one per channel, in the stream's order; an epoch of null has no position yet */
    static String encode(long[] offsets, String[] epochs) {
        StringBuilder id = new StringBuilder(epochs.length * 12);
        for (int i = 0; i < epochs.length; i++) {
            if (i > 0) {
                id.append(SEPARATOR);
            }
            if (epochs[i] != null) {
                id.append(offsets[i]).append(':').append(epochs[i]);
            }
        }
        return id.toString();
    }

    /**
     * The {@code since} positions ({@code <channel>:<offset>:<epoch>}) a reconnect recovers from, and the channels
     * it subscribes to afresh (no position held).
     */
    record Resume(List<String> fresh, List<String> since, long[] offsets, String[] epochs) {

        /** The positions the stream starts from: those it recovers from (null epoch: none). */
        Resume {
            offsets = offsets.clone();
            epochs = epochs.clone();
        }
    }

    /**
     * @param lastEventId the {@code Last-Event-ID} header (or {@code lastEventId} parameter); null or empty: none
     * @return every channel fresh when there is no id; when the id does not fit the channels (another URL, a
     *         mangled header), every channel recovers from an unknown epoch, so each one is told
     *         {@code recovered:false} instead of silently skipping what it missed
     */
    static Resume resume(List<String> channels, String lastEventId) {
        long[] offsets = new long[channels.size()];
        String[] epochs = new String[channels.size()];
        if (lastEventId == null || lastEventId.isEmpty()) {
            return new Resume(channels, List.of(), offsets, epochs);
        }
        List<String> entries = split(lastEventId, channels.size());
        List<String> fresh = new ArrayList<>();
        List<String> since = new ArrayList<>();
        for (int i = 0; i < channels.size(); i++) {
            String entry = entries == null ? "0:" + UNKNOWN_EPOCH : entries.get(i);
            if (entry.isEmpty()) {
                fresh.add(channels.get(i));
                continue;
            }
            since.add(channels.get(i) + ':' + entry);
            if (entries != null) {
                int colon = entry.indexOf(':');
                offsets[i] = Long.parseLong(entry.substring(0, colon));
                epochs[i] = entry.substring(colon + 1);
            }
        }
        return new Resume(fresh, since, offsets, epochs);
    }

    /** @return exactly {@code count} well-formed entries, or null */
    private static List<String> split(String id, int count) {
        if (id.length() > count * (MAX_ENTRY + 1)) {
            return null;
        }
        List<String> entries = new ArrayList<>(count);
        int start = 0;
        while (true) {
            int end = id.indexOf(SEPARATOR, start);
            String entry = id.substring(start, end < 0 ? id.length() : end);
            if (!entry.isEmpty() && !wellFormed(entry)) {
                return null;
            }
            entries.add(entry);
            if (end < 0) {
                break;
            }
            start = end + 1;
        }
        return entries.size() == count ? entries : null;
    }

    /** {@code <digits>:<epoch>}, the epoch printable ASCII without {@code ,} or {@code :} (whatever the engine's). */
    private static boolean wellFormed(String entry) {
        int colon = entry.indexOf(':');
        if (colon <= 0 || colon > 19 || colon == entry.length() - 1 || entry.length() - colon - 1 > 64) {
            return false;
        }
        for (int i = 0; i < colon; i++) {
            if (entry.charAt(i) < '0' || entry.charAt(i) > '9') {
                return false;
            }
        }
        for (int i = colon + 1; i < entry.length(); i++) {
            char c = entry.charAt(i);
            if (c <= ' ' || c > '~' || c == ':' || c == SEPARATOR) {
                return false;
            }
        }
        return true;
    }
}
