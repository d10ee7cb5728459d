package org.pushgate.gateway.edge;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.atomic.LongAdder;

import org.pushgate.gateway.metrics.GatewayMeter;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.micrometer.core.instrument.Counter;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * Sockets that never became a served request or a WebSocket, counted by reason in
 * {@code gateway_handshakes_failed_total{reason}} and logged as one summary line per interval at most, only when
 * the count moved. A client decides how many of these there are, so none of them is ever logged one by one: an
 * attack of 20,000 half-finished handshakes must not write 20,000 lines. The periodic line is owned by this
 * lifecycle: started with the context, disposed (after a last summary) when it stops.
 */
public final class HandshakeFailures implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(HandshakeFailures.class);

    /** The tag of {@code gateway_handshakes_failed_total{reason}}. */
    public enum Reason {
        /** The peer closed (or reset) the socket in the middle of its request head. */
        CLOSED_MID_HEAD("closed_mid_head"),
        /** The peer closed (or reset) the socket in the middle of a request body. */
        CLOSED_MID_BODY("closed_mid_body"),
        /** The request line is longer than the decoder takes (400). */
        LINE_TOO_LONG("line_too_long"),
        /** The request headers are larger than the decoder takes (431/400). */
        HEAD_TOO_LARGE("head_too_large"),
        /** Any other request head that does not decode (400). */
        BAD_REQUEST("bad_request"),
        /**
         * No complete request head, or no answer to the upgrade out of the socket (a 101 still queued counts), within
         * gateway.limits.handshake-timeout.
         */
        HANDSHAKE_TIMEOUT("handshake_timeout"),
        /** A request body not complete within gateway.limits.handshake-timeout of its head. */
        BODY_TIMEOUT("body_timeout"),
        /** A keep-alive connection without a next request for gateway.limits.http-idle-timeout. */
        IDLE_TIMEOUT("idle_timeout"),
        /** Accepted past gateway.limits.max-sockets: answered 503 and closed at once. */
        OVER_BUDGET("over_budget"),
        /** Accepted from an address already at gateway.limits.max-handshakes-per-address: 503 and closed. */
        PER_ADDRESS("per_address");

        private final String tag;

        Reason(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }

        /** The reason of a request head the HTTP decoder refused. */
        static Reason ofDecoderFailure(Throwable cause) {
            if (cause instanceof PrematureChannelClosureException) {
                return CLOSED_MID_HEAD;
            }
            if (cause instanceof TooLongHttpLineException) {
                return LINE_TOO_LONG;
            }
            if (cause instanceof TooLongHttpHeaderException) {
                return HEAD_TOO_LARGE;
            }
            return BAD_REQUEST;
        }
    }

    private final Map<Reason, Counter> counters = new EnumMap<>(Reason.class);
    private final Map<Reason, LongAdder> sinceLastLine = new EnumMap<>(Reason.class);
    private final Duration interval;
    private final Scheduler scheduler;
    private volatile Disposable summaries;

    public HandshakeFailures(GatewayMetrics metrics, Duration interval, Scheduler scheduler) {
        this.interval = interval;
        this.scheduler = scheduler;
        for (Reason reason : Reason.values()) {
            counters.put(reason, metrics.counter(GatewayMeter.HANDSHAKES_FAILED, reason.tag()));
            sinceLastLine.put(reason, new LongAdder());
        }
    }

    /** Counts one failure; called on an event loop, so it only adds. */
    void record(Reason reason) {
        counters.get(reason).increment();
        sinceLastLine.get(reason).increment();
    }

    /** Total failures of one reason since the start (the counter's value). */
    public long count(Reason reason) {
        return (long) counters.get(reason).count();
    }

    /**
     * Logs one line with the failures since the last line, if there were any.
     *
     * @return the line logged, or null when nothing moved
     */
    String logIfMoved() {
        long total = 0;
        StringJoiner byReason = new StringJoiner(", ", " (", ")");
        for (Map.Entry<Reason, LongAdder> entry : sinceLastLine.entrySet()) {
            long n = entry.getValue().sumThenReset();
            if (n > 0) {
                total += n;
                byReason.add(entry.getKey().tag() + "=" + n);
            }
        }
        if (total == 0) {
            return null;
        }
        String line = "handshakes failed in the last " + interval.toString().substring(2).toLowerCase(java.util.Locale.ROOT) + ": " + total + byReason
                + " (gateway_handshakes_failed_total counts each; this line is written at most once per "
                + "gateway.limits.handshake-log-interval)";
        log.warn(line);
        return line;
    }

    @Override
    public void start() {
        summaries = Flux.interval(interval, interval, scheduler)
                .onBackpressureDrop() // a tick missed while the worker was busy is folded into the next line
                .subscribe(tick -> logIfMoved());
    }

    @Override
    public void stop() {
        Disposable running = summaries;
        summaries = null;
        if (running != null) {
            running.dispose();
            logIfMoved();
        }
    }

    @Override
    public boolean isRunning() {
        return summaries != null;
    }
}
