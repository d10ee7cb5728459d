package org.pushgate.load.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.broker.Engines;
import org.pushgate.gateway.broker.HistoryPolicy;
import org.pushgate.gateway.connection.CloseReason;
import org.pushgate.gateway.connection.ConnectionEvents;
import org.pushgate.gateway.connection.ConnectionPipeline;
import org.pushgate.gateway.connection.ConnectionRegistry;
import org.pushgate.gateway.connection.ConnectionSettings;
import org.pushgate.gateway.connection.ConnectionSocket;
import org.pushgate.gateway.hub.HubEvents;
import org.pushgate.gateway.hub.LocalHub;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.protocol.CommandDecoder;
import org.pushgate.gateway.protocol.OutboundFrame;

import io.netty.util.concurrent.ImmediateEventExecutor;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The connect path without the network: {@link ConnectionPipeline#serve} on a socket that needs nothing, with the
 * gateway's default timers (heartbeat and liveness every 25 s, one timer for both) on a real timer scheduler, no
 * client auth. {@code connectAndClose}: the pipeline assembled and subscribed, the connection opened (registry,
 * admission slot, buffer, timers), optionally subscribed to {@code channels} channels given at connect time, then
 * the peer closes and everything is released. With {@code -prof gc}, {@code gc.alloc.rate.norm} is the bytes one
 * connection allocates over its life; the socket stand-in adds a few objects of its own (two sinks, a drain).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ConnectPathBenchmark {

    @Param({"0", "1"})
    public int channels;

    private ConnectionPipeline pipeline;
    private ConnectionRegistry registry;
    private Admission admission;
    private Scheduler timers;
    private LocalHub hub;
    private List<String> initial;

    @Setup(Level.Trial)
    public void setUp() {
        timers = Schedulers.newSingle("bench-timers");
        hub = new LocalHub(HubEvents.NONE);
        Broker broker = Engines.memory(hub, new HistoryPolicy(0, Duration.ofHours(1), Map.of()), 64L << 20,
                Schedulers.immediate(), reason -> { });
        registry = new ConnectionRegistry();
        admission = new Admission(1_000_000, 0, null);
        Duration every = Duration.ofSeconds(25);
        ConnectionSettings settings = new ConnectionSettings(every, every, Duration.ofSeconds(10), 128, 1_000_000,
                1_000_000, 1_000, 300);
        ConnectionEvents events = new ConnectionEvents() {
            @Override
            public void disconnected(CloseReason reason) {
            }

            @Override
            public void delivered() {
            }
        };
        pipeline = ConnectionPipeline.withoutAuth(hub, broker, registry, settings, DrainingSubscriber.BUFFERS, events,
                new CommandDecoder(new ChannelNames(128), 65536, 8192), timers);
        initial = channels == 0 ? List.of() : List.of("bench");
    }

    @Benchmark
    public int connectAndClose() {
        QuietSocket socket = new QuietSocket(initial);
        Disposable served = pipeline.serve(socket, admission.tryAdmit("127.0.0.1").ticket()).subscribe();
        int open = registry.size();
        socket.peerCloses();
        if (!served.isDisposed() && registry.size() != 0) {
            throw new IllegalStateException("the connection did not end with its peer's close");
        }
        return open;
    }

    @TearDown(Level.Trial)
    public void checkNothingLeft() {
        timers.dispose();
        if (registry.size() != 0 || registry.activeTimers() != 0 || hub.subscriptionCount() != 0) {
            throw new IllegalStateException("left " + registry.size() + " connections, " + registry.activeTimers()
                    + " timers, " + hub.subscriptionCount() + " subscriptions");
        }
    }

    /** A peer that says nothing and reads everything at once, on the calling thread (its "event loop"). */
    static final class QuietSocket implements ConnectionSocket {
        private final List<String> initial;
        private final Sinks.Many<InboundFrame> inbound = Sinks.many().unicast().onBackpressureBuffer();
        private final Sinks.One<Integer> peerClose = Sinks.one();

        QuietSocket(List<String> initial) {
            this.initial = initial;
        }

        void peerCloses() {
            peerClose.tryEmitValue(1000); // one emitter (the benchmark thread): cannot fail
            inbound.tryEmitComplete();
        }

        @Override
        public String remoteAddress() {
            return "127.0.0.1";
        }

        @Override
        public List<String> initialChannels() {
            return initial;
        }

        @Override
        public Flux<InboundFrame> receive() {
            return inbound.asFlux();
        }

        @Override
        public Mono<Void> send(Flux<OutboundFrame> frames) {
            return frames.then();
        }

        @Override
        public Mono<Void> close(int code, String reason) {
            return Mono.fromRunnable(this::peerCloses);
        }

        @Override
        public void abort() {
            peerCloses();
        }

        @Override
        public String bearerToken() {
            return null;
        }

        @Override
        public Executor executor() {
            return ImmediateEventExecutor.INSTANCE;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public Mono<Integer> peerCloseCode() {
            return peerClose.asMono();
        }
    }
}
