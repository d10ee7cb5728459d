package org.pushgate.gateway.connection;

import java.time.Duration;

import org.pushgate.gateway.admission.Admission;
import org.pushgate.gateway.auth.ClientAuth;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.broker.TestBrokers;
import org.pushgate.gateway.hub.BufferSettings;
import org.pushgate.gateway.hub.Hub;
import org.pushgate.gateway.hub.LocalHub;
import org.pushgate.gateway.hub.OutboundBudget;
import org.pushgate.gateway.hub.OverflowPolicy;
import org.pushgate.gateway.hub.RecordingEvents;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.protocol.CommandDecoder;

import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * One node's worth of real parts for unit tests (hub, registry, admission, events) on a virtual clock, and the
 * test-only ways to build a pipeline over them that main code does not need.
 */
public final class TestNode {

    public final RecordingEvents events = new RecordingEvents();
    public final LocalHub hub = new LocalHub(events);
    public final Broker broker;
    public final ConnectionRegistry registry = new ConnectionRegistry();
    public final Admission admission = new Admission(10_000, 0, null);
    public final VirtualTimeScheduler clock;

    public TestNode(VirtualTimeScheduler clock) {
        this(clock, hub -> TestBrokers.memory(hub, clock));
    }

    /** A node over another broker, built on its hub (the Redis engine on a test's redis-server, say). */
    public TestNode(VirtualTimeScheduler clock, java.util.function.Function<Hub, Broker> brokerOverHub) {
        this.clock = clock;
        this.broker = brokerOverHub.apply(hub);
    }

    /** Publishes through the node's broker and answers how many subscriber buffers took the message. */
    public int publish(String channel, String json) {
        return broker.publish(channel, json.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .block(Duration.ofSeconds(5)).reached();
    }

    /** Settings with generous command limits, for tests that are not about rate limiting. */
    public static ConnectionSettings settings(Duration heartbeat, Duration liveness, Duration timeout, int maxSubscriptions) {
        return new ConnectionSettings(heartbeat, liveness, timeout, maxSubscriptions, 1_000_000, 1_000_000, 1_000, 300);
    }

    /** Buffers bounded in frames only (bytes and the process fence far away), for tests not about bytes. */
    public BufferSettings buffers(int frames, OverflowPolicy policy) {
        return buffers(frames, 1L << 30, policy, new OutboundBudget(1L << 40, registry::buffers, Runnable::run));
    }

    public BufferSettings buffers(int frames, long bytes, OverflowPolicy policy, OutboundBudget budget) {
        return new BufferSettings(frames, bytes, policy, budget, events);
    }

    public ConnectionPipeline pipeline(ConnectionSettings settings, BufferSettings buffers) {
        return pipeline(settings, buffers, ClientAuth.none());
    }

    public ConnectionPipeline pipeline(ConnectionSettings settings, BufferSettings buffers, ClientAuth auth) {
        return pipelineOver(hub, settings, buffers, auth);
    }

    /** A pipeline whose connections subscribe through this hub (a test's instrumented one) rather than the node's. */
    public ConnectionPipeline pipelineOver(Hub through, ConnectionSettings settings, BufferSettings buffers, ClientAuth auth) {
        return new ConnectionPipeline(new NodeResources(through, broker, registry, settings, buffers, auth, events),
                new CommandDecoder(new ChannelNames(64), 4096, 8192), clock);
    }

    /** Serves a socket with a freshly admitted ticket, as the transport does after the upgrade. */
    public Mono<Void> serve(ConnectionPipeline pipeline, ConnectionSocket socket) {
        return pipeline.serve(socket, admit());
    }

    public Admission.Ticket admit() {
        return admission.tryAdmit("127.0.0.1").ticket();
    }

    /** Connection slots still held: zero once every connection released its ticket. */
    public int permitsHeld() {
        return admission.admitted();
    }
}
