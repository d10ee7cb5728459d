package org.pushgate.gateway.connection;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;

import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * One connection's inbound side as one publisher: what happens before the first frame, then each client frame in
 * turn, each after the one before it was handled, then the peer's close code; whatever ends it (the peer's close,
 * a reset, a violation, a failure anywhere) becomes the connection's close reason, and it completes. It does what
 * {@code start.thenMany(frames.concatMap(onFrame, 1)).then(closeCode.map(...).defaultIfEmpty(RESET))
 * .onErrorResume(classify).doOnNext(close).then()} did, in two objects held for the socket's life instead of about
 * ten operators and subscribers (docs/benchmarks.md 10i, gateway issue 6(b)).
 *
 * <ul>
 *   <li>Demand: one frame at a time. The next is asked for only once the frame before it was handled (its
 *       {@code Mono} completed; a handler that answers at once, {@code Mono.empty()}, is not even subscribed), so
 *       a connect waiting for its token's verification holds the frames behind it unread.</li>
 *   <li>Order of the ending: the frames completing while one is being handled wait for it; a failure (the
 *       socket's, a handler's, the start's) cancels whatever else runs and ends at once.</li>
 *   <li>A cancel (the pipeline ended) cancels whatever runs, once.</li>
 * </ul>
 * Signals come from the connection's loop (frames) and from any thread (a handler that completes elsewhere); one
 * drain loop (a work-in-progress counter) serializes them.
 */
final class Inbound<F> extends Mono<Void> implements Subscription, CoreSubscriber<F> {

    private static final AtomicIntegerFieldUpdater<Inbound> WIP =
            AtomicIntegerFieldUpdater.newUpdater(Inbound.class, "wip");

    private enum Phase { START, FRAMES, CLOSE_CODE, DONE }

    private final Publisher<Void> start;
    private final Publisher<F> frames;
    private final Function<F, Mono<Void>> onFrame;
    private final Publisher<Integer> closeCode;
    private final BiFunction<Integer, Throwable, CloseReason> reason;
    private final Consumer<CloseReason> close;
    private final Step step = new Step();
    private CoreSubscriber<? super Void> actual;
    private volatile int wip;
    private volatile Subscription framesSubscription;
    private volatile F pending; // the frame asked for, until the drain takes it
    private volatile boolean framesDone;
    private volatile Throwable error;
    private volatile boolean cancelled;
    private volatile boolean stepActive; // a start, a frame's handling or the close code is running
    private volatile Integer code; // the peer's close code, once read
    // Drain loop only:
    private Phase phase = Phase.START;
    private boolean asked; // a frame was asked for and has not come yet

    /**
     * @param reason the close reason: of the peer's close code when the frames completed (null: none came), or of
     *               the failure that ended them (then the code is null)
     * @param close  told that reason before the inbound completes
     */
    Inbound(Publisher<Void> start, Publisher<F> frames, Function<F, Mono<Void>> onFrame, Publisher<Integer> closeCode,
            BiFunction<Integer, Throwable, CloseReason> reason, Consumer<CloseReason> close) {
        this.start = start;
        this.frames = frames;
        this.onFrame = onFrame;
        this.closeCode = closeCode;
        this.reason = reason;
        this.close = close;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> subscriber) {
        if (actual != null) {
            Operators.error(subscriber, new IllegalStateException("a connection's inbound takes one subscriber"));
            return;
        }
        actual = subscriber;
        subscriber.onSubscribe(this);
        stepActive = true;
        start.subscribe(step);
    }

    @Override
    public void request(long n) {
        // Nothing but the completion to give.
    }

    @Override
    public void cancel() {
        cancelled = true;
        drain();
    }

    // ---- the frames

    @Override
    public void onSubscribe(Subscription s) {
        if (Operators.validate(framesSubscription, s)) {
            framesSubscription = s;
            if (cancelled || error != null) {
                // Ended before the frames were subscribed: the release may not have seen this subscription.
                s.cancel();
                return;
            }
            drain(); // ask for the first frame
        }
    }

    @Override
    public void onNext(F frame) {
        pending = frame;
        drain();
    }

    @Override
    public void onError(Throwable failure) {
        fail(failure);
    }

    @Override
    public void onComplete() {
        framesDone = true;
        drain();
    }

    private void fail(Throwable failure) {
        if (error == null) {
            error = failure;
        }
        drain();
    }

    private void drain() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        int missed = 1;
        do {
            step();
            missed = WIP.addAndGet(this, -missed);
        } while (missed != 0);
    }

    /** One pass of the drain loop. */
    private void step() {
        if (phase == Phase.DONE) {
            return;
        }
        if (cancelled) {
            phase = Phase.DONE;
            release();
            return;
        }
        Throwable failed = error;
        if (failed != null) {
            phase = Phase.DONE;
            release();
            finish(reason.apply(null, failed));
            return;
        }
        while (!stepActive) {
            switch (phase) {
                case START -> {
                    phase = Phase.FRAMES;
                    frames.subscribe(this);
                    return; // its onSubscribe drains again
                }
                case FRAMES -> {
                    Subscription s = framesSubscription;
                    if (s == null) {
                        return; // not subscribed yet
                    }
                    F frame = pending;
                    if (frame != null) {
                        pending = null;
                        asked = false;
                        Mono<Void> handling;
                        try {
                            handling = onFrame.apply(frame);
                        }
                        catch (Throwable thrown) {
                            phase = Phase.DONE;
                            release();
                            finish(reason.apply(null, thrown));
                            return;
                        }
                        if (handling != Mono.<Void>empty()) {
                            stepActive = true;
                            handling.subscribe(step);
                        }
                        // handled at once (or its step completed inline): on to the next
                    }
                    else if (framesDone) {
                        phase = Phase.CLOSE_CODE;
                        stepActive = true;
                        closeCode.subscribe(step);
                    }
                    else {
                        if (!asked) {
                            asked = true;
                            s.request(1);
                        }
                        return; // the frame's arrival drains again
                    }
                }
                case CLOSE_CODE -> {
                    phase = Phase.DONE;
                    finish(reason.apply(code, null));
                    return;
                }
                default -> {
                    return;
                }
            }
            if (cancelled || error != null) {
                return; // a handler failed or the pipeline ended inline: the next pass sees to it
            }
        }
    }

    private void finish(CloseReason closeReason) {
        close.accept(closeReason);
        actual.onComplete();
    }

    private void release() {
        Subscription s = framesSubscription;
        if (s != null) {
            s.cancel();
        }
        step.cancel();
    }

    /** The subscriber of the start, of each frame's handling and of the close code, one after the other. */
    private final class Step implements CoreSubscriber<Object> {

        volatile Subscription subscription;

        @Override
        public void onSubscribe(Subscription s) {
            Subscription current = subscription;
            if (current == Operators.cancelledSubscription()) {
                s.cancel();
                return;
            }
            subscription = s;
            if (cancelled || error != null) {
                s.cancel(); // the inbound ended meanwhile (its release may not have seen this one)
                return;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(Object value) {
            if (value instanceof Integer closeCodeValue) {
                code = closeCodeValue;
            }
        }

        @Override
        public void onError(Throwable failure) {
            stepActive = false;
            fail(failure);
        }

        @Override
        public void onComplete() {
            stepActive = false;
            drain();
        }

        void cancel() {
            Subscription s = subscription;
            subscription = Operators.cancelledSubscription();
            if (s != null && s != Operators.cancelledSubscription()) {
                s.cancel();
            }
        }
    }
}
