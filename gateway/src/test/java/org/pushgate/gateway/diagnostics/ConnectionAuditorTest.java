package org.pushgate.gateway.diagnostics;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pushgate.gateway.broker.BrokerSubscriptions;
import org.pushgate.gateway.connection.CloseReason;
import org.pushgate.gateway.connection.ConnectionPipeline;
import org.pushgate.gateway.connection.TestNode;
import org.pushgate.gateway.connection.ConnectionRegistry;
import org.pushgate.gateway.connection.ConnectionSettings;
import org.pushgate.gateway.connection.ConnectionSocket;
import org.pushgate.gateway.connection.FakeSocket;
import org.pushgate.gateway.hub.LocalHub;
import org.pushgate.gateway.hub.OverflowPolicy;
import org.pushgate.gateway.hub.RecordingEvents;
import org.pushgate.gateway.hub.SubscriberBuffer;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.protocol.CommandDecoder;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import reactor.core.Disposable;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionAuditorTest {

    static final Duration NEVER = Duration.ofDays(365);

    TestNode node;
    RecordingEvents events;
    LocalHub hub;
    ConnectionRegistry registry;
    ConnectionPipeline handler;
    VirtualTimeScheduler clock;
    SimpleMeterRegistry meters;
    GatewayMetrics metrics;
    ConnectionAuditor auditor;

    @BeforeEach
    void setUp() {
        clock = VirtualTimeScheduler.create();
        node = new TestNode(clock);
        events = node.events;
        hub = node.hub;
        registry = node.registry;
        meters = new SimpleMeterRegistry();
        metrics = new GatewayMetrics(meters);
        handler = node.pipeline(TestNode.settings(NEVER, NEVER, Duration.ofSeconds(10), 10),
                node.buffers(16, OverflowPolicy.DISCONNECT));
        auditor = new ConnectionAuditor(hub, BrokerSubscriptions.NONE, registry, clock, Duration.ofSeconds(60), metrics);
    }

    double reclaimed(String kind) {
        return meters.get("gateway.orphans.reclaimed").tag("kind", kind).counter().count();
    }

    Disposable serve(FakeSocket socket) {
        return node.serve(handler, socket).subscribe();
    }

    @Test
    void aHealthyGatewayHasNoOrphans() {
        FakeSocket a = new FakeSocket("news", "sports");
        FakeSocket b = new FakeSocket("news");
        serve(a);
        serve(b);

        ConnectionAuditor.AuditReport report = auditor.audit();
        auditor.audit();

        assertThat(report.connectionsChecked()).isEqualTo(2);
        assertThat(report.subscriptionsChecked()).isEqualTo(3);
        assertThat(report.orphanSubscriptions()).isZero();
        assertThat(report.orphanConnections()).isZero();
        assertThat(reclaimed("subscription")).isZero();
        assertThat(reclaimed("connection")).isZero();
        assertThat(hub.subscriptionCount()).isEqualTo(3);
        a.peerCloses(1000);
        b.peerCloses(1000);
    }

    @Test
    void aSubscriptionNoConnectionOwnsIsReclaimedLoggedAndCounted() {
        FakeSocket owner = new FakeSocket("news");
        serve(owner);
        SubscriberBuffer stray = new SubscriberBuffer(node.buffers(8, OverflowPolicy.DISCONNECT),
                org.pushgate.gateway.hub.TestOwners.NONE, io.netty.util.concurrent.ImmediateEventExecutor.INSTANCE);
        hub.subscribe("news", stray);
        hub.subscribe("ghost", stray);
        assertThat(hub.subscriptionCount()).isEqualTo(3);

        ConnectionAuditor.AuditReport report = auditor.audit();

        assertThat(report.orphanSubscriptions()).isEqualTo(2);
        assertThat(reclaimed("subscription")).isEqualTo(2);
        assertThat(hub.subscriptionCount()).as("the owned subscription stays").isEqualTo(1);
        assertThat(hub.channels()).containsOnlyKeys("news");
        owner.peerCloses(1000);
        assertThat(hub.subscriptionCount()).isZero();
    }

    @Test
    void aConnectionWhoseSocketVanishedIsReclaimedAfterOneAuditOfGrace() {
        FakeSocket vanishing = new FakeSocket("news");
        FakeSocket healthy = new FakeSocket("news");
        Disposable pipeline = serve(vanishing);
        serve(healthy);
        vanishing.vanished = true;

        assertThat(auditor.audit().orphanConnections()).as("first sighting: grace").isZero();
        ConnectionAuditor.AuditReport second = auditor.audit();

        assertThat(second.orphanConnections()).isEqualTo(1);
        assertThat(reclaimed("connection")).isEqualTo(1);
        assertThat(registry.size()).isEqualTo(1);
        assertThat(hub.subscriptionCount()).isEqualTo(1);
        assertThat(node.permitsHeld()).as("admission permit returned: only the healthy one holds one").isEqualTo(1);
        assertThat(events.disconnects(CloseReason.ORPHANED)).isEqualTo(1);
        assertThat(pipeline.isDisposed()).as("the close signal also ended the stuck pipeline").isTrue();
        healthy.peerCloses(1000);
        assertThat(registry.size()).isZero();
    }

    /**
     * An audit that lands inside a release (after the connection is marked released, before it has left the hub
     * and the registry), as audits do during mass disconnects, must not count it as an orphan: the release is
     * doing the cleanup. Found by a 25,000-connection churn run, where such false orphans would page.
     */
    @Test
    void anAuditDuringAReleaseFindsNoOrphans() {
        java.util.List<ConnectionAuditor.AuditReport> midRelease = new java.util.ArrayList<>();
        ConnectionAuditor[] auditorOf = new ConnectionAuditor[1];
        boolean[] audited = new boolean[1];
        org.pushgate.gateway.hub.Hub auditingHub = new org.pushgate.gateway.hub.Hub() {
            public reactor.core.publisher.Mono<Integer> deliver(String channel, String epoch, long offset, byte[] data) {
                return hub.deliver(channel, epoch, offset, data);
            }
            public void catchUp(String channel, String epoch, long offset) {
                hub.catchUp(channel, epoch, offset);
            }
            public org.pushgate.gateway.hub.NodeSubscriptions.Recheck recheckNodeSubscription(String channel) {
                return hub.recheckNodeSubscription(channel);
            }
            public void attach(org.pushgate.gateway.hub.NodeSubscriptions listener) {
                hub.attach(listener);
            }
            public boolean subscribe(String channel, SubscriberBuffer subscriber) {
                return hub.subscribe(channel, subscriber);
            }
            public boolean unsubscribe(String channel, SubscriberBuffer subscriber) {
                if (!audited[0]) {
                    audited[0] = true; // the first unsubscribe of the release: audit now (once)
                    midRelease.add(auditorOf[0].audit());
                }
                return hub.unsubscribe(channel, subscriber);
            }
            public int channelCount() {
                return hub.channelCount();
            }
            public long subscriptionCount() {
                return hub.subscriptionCount();
            }
            public void forEachSubscription(java.util.function.BiConsumer<String, SubscriberBuffer> visitor) {
                hub.forEachSubscription(visitor);
            }
            public java.util.Map<String, Integer> channels() {
                return hub.channels();
            }
        };
        ConnectionPipeline releasing = node.pipelineOver(auditingHub,
                TestNode.settings(NEVER, NEVER, Duration.ofSeconds(10), 10), node.buffers(16, OverflowPolicy.DISCONNECT),
                org.pushgate.gateway.auth.ClientAuth.none());
        auditorOf[0] = new ConnectionAuditor(auditingHub, BrokerSubscriptions.NONE, registry, clock, Duration.ofSeconds(60), metrics);
        FakeSocket closing = new FakeSocket("news", "sports");
        node.serve(releasing, closing).subscribe();

        closing.peerCloses(1000);

        assertThat(midRelease).hasSize(1);
        assertThat(midRelease).allSatisfy(report -> {
            assertThat(report.connectionsChecked()).as("the audit did run inside the release").isEqualTo(1);
            assertThat(report.orphanConnections()).isZero();
            assertThat(report.orphanSubscriptions()).isZero();
        });
        assertThat(reclaimed("connection")).isZero();
        assertThat(reclaimed("subscription")).isZero();
        assertThat(registry.size()).isZero();
        assertThat(hub.subscriptionCount()).isZero();
        assertThat(events.disconnects(CloseReason.CLIENT_CLOSE)).isEqualTo(1);
    }

    @Test
    void sweepClosesOnlyConnectionsThatDoNotAnswerThePing() {
        FakeSocket silent = new FakeSocket();
        FakeSocket answering = new FakeSocket();
        serve(silent);
        serve(answering);
        clock.advanceTimeBy(Duration.ofSeconds(30));

        StepVerifier.create(auditor.sweep(Duration.ofSeconds(2)))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(1)))
                .then(() -> answering.inbound.next(ConnectionSocket.InboundFrame.of(ConnectionSocket.InboundFrame.Type.PONG)))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(1)))
                .assertNext(report -> {
                    assertThat(report.probed()).isEqualTo(2);
                    assertThat(report.closed()).isEqualTo(1);
                })
                .expectComplete()
                .verify(Duration.ofSeconds(5));

        assertThat(silent.count(org.pushgate.gateway.protocol.OutboundFrame.Kind.PING)).isEqualTo(1);
        assertThat(silent.closedWithCode).isEqualTo(CloseReason.LIVENESS_TIMEOUT.code());
        assertThat(answering.closedWithCode).isNull();
        answering.peerCloses(1000);
        assertThat(registry.size()).isZero();
    }
}
