package org.pushgate.gateway.publish.centrifugo;

import java.util.ArrayList;
import java.util.List;

import org.pushgate.gateway.broker.StreamMessage;
import org.pushgate.gateway.broker.StreamPosition;
import org.pushgate.gateway.publish.Publisher;

import reactor.core.publisher.Mono;

/**
 * Centrifugo's history read ({@code limit}, {@code since}, {@code reverse}) over the broker's one read, "at most n
 * messages after offset k, oldest first". Centrifugo's semantics (centrifuge's memory engine and {@code Node.History}):
 * <ul>
 *   <li>{@code limit} 0 returns the stream's position only; a negative limit means all (here: at most
 *       gateway.history.max-recovered, as any larger limit);</li>
 *   <li>without {@code since}: the oldest messages still held, or with {@code reverse} the newest, newest first;</li>
 *   <li>with {@code since}: the messages after its offset, or with {@code reverse} those before it, newest first
 *       ({@code reverse} from offset 0 is a bad request); an epoch that is not the stream's is an
 *       unrecoverable position.</li>
 * </ul>
 *
 * @param limit the number of messages asked for, already bounded (0..max)
 * @param since the position to read from, or null
 */
record HistoryQuery(String channel, int limit, Since since, boolean reverse) {

    /** A client-given position: the epoch may be empty (then any epoch is accepted, as in Centrifugo). */
    record Since(long offset, String epoch) {
    }

    /** What the read found: publications in the order asked, and the stream's position. */
    record Page(List<StreamMessage> publications, StreamPosition top) {
    }

    HistoryQuery {
        if (reverse && since != null && since.offset() == 0) {
            throw ServerApiError.badRequest("reverse history needs a since offset above 0");
        }
    }

    Mono<Page> read(Publisher publisher) {
        if (limit == 0 || since == null && !reverse) {
            return publisher.history(channel, since == null ? 0 : since.offset(), limit).map(h -> checked(h.messages(), h.top()));
        }
        if (since == null) {
            // The newest messages: the position first, then the read that ends at it. A publish between the two
            // reads moves the window, and the answer carries the second read's position: still consistent.
            return publisher.history(channel, 0, 0)
                    .flatMap(position -> publisher.history(channel, Math.max(0, position.top().offset() - limit), limit))
                    .map(h -> new Page(reversed(h.messages(), Long.MAX_VALUE), h.top()));
        }
        if (!reverse) {
            return publisher.history(channel, since.offset(), limit).map(h -> checked(h.messages(), h.top()));
        }
        // The `limit` messages before since.offset: the read after (since.offset - 1 - limit) ends right below it.
        return publisher.history(channel, Math.max(0, since.offset() - 1 - limit), limit)
                .map(h -> checked(reversed(h.messages(), since.offset()), h.top()));
    }

    private Page checked(List<StreamMessage> messages, StreamPosition top) {
        if (since != null && !since.epoch().isEmpty() && !since.epoch().equals(top.epoch())) {
            throw ServerApiError.unrecoverablePosition("the stream's epoch is " + top.epoch() + ", not " + since.epoch());
        }
        return new Page(messages, top);
    }

    /** Newest first, only those below {@code before}. */
    private static List<StreamMessage> reversed(List<StreamMessage> messages, long before) {
        List<StreamMessage> newestFirst = new ArrayList<>(messages.size());
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).offset() < before) {
                newestFirst.add(messages.get(i));
            }
        }
        return newestFirst;
    }
}
