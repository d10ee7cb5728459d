package org.pushgate.gateway.connection;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.publisher.PublisherProbe;
import reactor.test.publisher.TestPublisher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A connection's inbound: the start, then one frame at a time (the next asked for only once the one before it was
 * handled), then the peer's close code; every ending becomes the close reason, told once; a cancel releases all.
 */
class InboundTest {

    static final Duration VERIFY = Duration.ofSeconds(10);

    final TestPublisher<String> frames = TestPublisher.create();
    final List<Long> requests = new CopyOnWriteArrayList<>();
    final List<CloseReason> closed = new CopyOnWriteArrayList<>();
    final Map<String, Sinks.Empty<Void>> handling = new ConcurrentHashMap<>();
    final List<String> handled = new CopyOnWriteArrayList<>();

    /** Each frame's handling completes when the test says so. */
    Mono<Void> pendingHandler(String frame) {
        handled.add(frame);
        return handling.computeIfAbsent(frame, f -> Sinks.empty()).asMono();
    }

    void done(String frame) {
        handling.get(frame).tryEmitEmpty();
    }

    Inbound<String> inbound(Mono<Void> start, Function<String, Mono<Void>> onFrame, Mono<Integer> closeCode) {
        return new Inbound<>(start, frames.flux().doOnRequest(requests::add), onFrame, closeCode,
                ConnectionPipeline::reasonOf, closed::add);
    }

    @Test
    void theNextFrameIsAskedForOnlyOnceTheOneBeforeItWasHandled() {
        StepVerifier.create(inbound(Mono.empty(), this::pendingHandler, Mono.just(1000)))
                .then(() -> assertThat(requests).containsExactly(1L))
                .then(() -> frames.next("subscribe a"))
                .then(() -> assertThat(requests).as("while a is handled").containsExactly(1L))
                .then(() -> done("subscribe a"))
                .then(() -> assertThat(requests).containsExactly(1L, 1L))
                .then(() -> frames.next("subscribe b"))
                .then(() -> done("subscribe b"))
                .then(frames::complete)
                .expectComplete()
                .verify(VERIFY);
        assertThat(handled).containsExactly("subscribe a", "subscribe b");
        assertThat(closed).containsExactly(CloseReason.CLIENT_CLOSE);
    }

    @Test
    void framesHandledAtOnceAreNotSubscribedAndTheNextIsAskedForInline() {
        AtomicInteger ran = new AtomicInteger();
        StepVerifier.create(inbound(Mono.empty(),
                        f -> f.startsWith("pong") ? Mono.empty() : Mono.fromRunnable(ran::incrementAndGet), Mono.empty()))
                .then(() -> frames.next("pong 1"))
                .then(() -> frames.next("pong 2"))
                .then(() -> frames.next("reply"))
                .then(() -> frames.next("pong 3"))
                .then(frames::complete)
                .expectComplete()
                .verify(VERIFY);
        assertThat(ran.get()).isEqualTo(1);
        assertThat(requests).hasSize(5);
        assertThat(closed).as("no close code: a reset").containsExactly(CloseReason.RESET);
    }

    @Test
    void theFramesCompletingWhileOneIsHandledWaitForIt() {
        PublisherProbe<Integer> closeCode = PublisherProbe.of(Mono.just(1000));
        StepVerifier.create(inbound(Mono.empty(), this::pendingHandler, closeCode.mono()))
                .then(() -> frames.next("connect"))
                .then(frames::complete)
                .then(() -> assertThat(closeCode.subscribeCount()).as("while connect is handled").isZero())
                .then(() -> assertThat(closed).isEmpty())
                .then(() -> done("connect"))
                .expectComplete()
                .verify(VERIFY);
        assertThat(closed).containsExactly(CloseReason.CLIENT_CLOSE);
    }

    @Test
    void theStartRunsBeforeAnyFrameIsAskedFor() {
        Sinks.Empty<Void> start = Sinks.empty();
        StepVerifier.create(inbound(start.asMono(), this::pendingHandler, Mono.just(1000)))
                .then(() -> frames.assertNoSubscribers())
                .then(start::tryEmitEmpty)
                .then(() -> frames.assertSubscribers(1))
                .then(() -> assertThat(requests).containsExactly(1L))
                .then(frames::complete)
                .expectComplete()
                .verify(VERIFY);
    }

    @Test
    void aViolationAnywhereCancelsTheFramesAndBecomesTheReason() {
        StepVerifier.create(inbound(Mono.empty(),
                        f -> Mono.error(new ConnectionSocket.ViolationException(CloseReason.PROTOCOL_ERROR, null)),
                        Mono.just(1000)))
                .then(() -> frames.next("garbage"))
                .expectComplete()
                .verify(VERIFY);
        frames.assertCancelled();
        assertThat(closed).containsExactly(CloseReason.PROTOCOL_ERROR);
    }

    @Test
    void aFailingStartOrSocketIsAReset() {
        StepVerifier.create(inbound(Mono.error(new IllegalStateException("boom")), this::pendingHandler, Mono.just(1000)))
                .expectComplete()
                .verify(VERIFY);
        frames.assertNoSubscribers();
        assertThat(closed).containsExactly(CloseReason.RESET);

        closed.clear();
        PublisherProbe<Void> running = PublisherProbe.of(Mono.never());
        StepVerifier.create(inbound(Mono.empty(), f -> running.mono(), Mono.just(1000)))
                .then(() -> frames.next("subscribe"))
                .then(() -> frames.error(new IllegalStateException("socket gone")))
                .expectComplete()
                .verify(VERIFY);
        running.assertWasCancelled();
        assertThat(closed).containsExactly(CloseReason.RESET);
    }

    @Test
    void aCancelReleasesTheFramesAndTheRunningHandlerAndTellsNoReason() {
        PublisherProbe<Void> running = PublisherProbe.of(Mono.never());
        StepVerifier.create(inbound(Mono.empty(), f -> running.mono(), Mono.just(1000)))
                .then(() -> frames.next("connect"))
                .thenCancel()
                .verify(VERIFY);
        frames.assertCancelled();
        running.assertWasCancelled();
        assertThat(closed).isEmpty();
    }

    /** The pipeline ends after the frames were subscribed but before their subscription came: it is cancelled on arrival. */
    @Test
    void aCancelBeforeTheFramesSubscriptionArrivesCancelsItWhenItDoes() {
        AtomicReference<org.reactivestreams.Subscriber<? super String>> late = new AtomicReference<>();
        AtomicInteger cancels = new AtomicInteger();
        org.reactivestreams.Publisher<String> frames = late::set;
        Inbound<String> inbound = new Inbound<>(Mono.empty(), frames, this::pendingHandler, Mono.just(1000),
                ConnectionPipeline::reasonOf, closed::add);
        reactor.core.Disposable pipeline = inbound.subscribe();
        assertThat(late.get()).as("the frames were subscribed").isNotNull();

        pipeline.dispose();
        late.get().onSubscribe(new org.reactivestreams.Subscription() {
            @Override
            public void request(long n) {
            }

            @Override
            public void cancel() {
                cancels.incrementAndGet();
            }
        });

        assertThat(cancels.get()).isEqualTo(1);
        assertThat(closed).isEmpty();
    }

    @Test
    void aSecondSubscriberIsRefused() {
        Inbound<String> inbound = inbound(Mono.empty(), this::pendingHandler, Mono.just(1000));
        inbound.subscribe();
        StepVerifier.create(inbound).expectError(IllegalStateException.class).verify(VERIFY);
    }

    /**
     * Frames come on one thread while each handling completes on another: every frame is handled once, in order,
     * never two at a time, and the ending waits for the last.
     */
    @RepeatedTest(5)
    void handlersCompletingOnAnotherThreadKeepFramesInOrderAndOneAtATime() {
        int count = 5_000;
        Sinks.Many<String> source = Sinks.many().unicast().onBackpressureBuffer();
        AtomicInteger active = new AtomicInteger();
        AtomicInteger overlapped = new AtomicInteger();
        List<String> order = new CopyOnWriteArrayList<>();
        AtomicReference<CloseReason> reason = new AtomicReference<>();
        Inbound<String> inbound = new Inbound<>(Mono.empty(), source.asFlux(), f -> Mono.fromRunnable(() -> {
                    if (active.incrementAndGet() > 1) {
                        overlapped.incrementAndGet();
                    }
                    order.add(f);
                    active.decrementAndGet();
                }).subscribeOn(Schedulers.parallel()).then(), Mono.just(1000), ConnectionPipeline::reasonOf,
                reason::set);

        StepVerifier.create(inbound)
                .then(() -> {
                    for (int i = 0; i < count; i++) {
                        source.tryEmitNext(Integer.toString(i));
                    }
                    source.tryEmitComplete();
                })
                .expectComplete()
                .verify(VERIFY);

        assertThat(overlapped.get()).isZero();
        assertThat(order).hasSize(count);
        assertThat(order).isEqualTo(Flux.range(0, count).map(Object::toString).collectList().block(VERIFY));
        assertThat(reason.get()).isEqualTo(CloseReason.CLIENT_CLOSE);
    }
}
