package org.pushgate.gateway.diagnostics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.pushgate.gateway.broker.BrokerSubscriptions;
import org.pushgate.gateway.connection.CloseReason;
import org.pushgate.gateway.connection.Connection;
import org.pushgate.gateway.connection.ConnectionRegistry;
import org.pushgate.gateway.hub.Hub;
import org.pushgate.gateway.hub.SubscriberBuffer;
import org.pushgate.gateway.metrics.GatewayMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.micrometer.core.instrument.Counter;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The runtime auditor: what the incident's team had to build at night, built in. Periodically it
 * reconciles the hub and the connection registry with the sockets actually open and reclaims whatever
 * is orphaned, logging each once and counting it in {@code gateway_orphans_reclaimed_total{kind}}. In a
 * healthy gateway that counter stays at zero: ownership makes orphans impossible by construction, and
 * the auditor is the alarm that says so in production.
 *
 * <p>What counts as an orphan:
 * <ul>
 *   <li>{@code subscription}: a hub subscriber that no registered connection owns (a connection still in the
 *       registry owns its subscriptions even while its release is running: the release removes them);</li>
 *   <li>{@code connection}: a registry entry released, or whose socket has been closed, at two consecutive
 *       audits. One audit of grace lets a normal close finish first: a release unsubscribes, then leaves the
 *       registry, and during a mass disconnect an audit sees thousands of entries between those steps, none
 *       of them orphans.</li>
 * </ul>
 * Then the node's subscriptions at the broker (Redis) are compared with the hub's open channels, after the
 * orphans above are gone: one the hub does not need is released, one it needs and lacks is taken again, each
 * logged and counted in {@code gateway_broker_subscriptions_reconciled_total{action}}. The broker re-reads every
 * such channel under the hub's step for it before acting ({@link BrokerSubscriptions#reconcile}), so a channel
 * whose first subscriber arrives during the pass keeps its subscription.
 * Also runs on-demand sweeps: ping every connection now and close those that do not answer in time.
 */
public final class ConnectionAuditor implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ConnectionAuditor.class);

    /** What one reconciliation found and reclaimed. */
    public record AuditReport(int connectionsChecked, int subscriptionsChecked, int orphanSubscriptions,
                              int orphanConnections, BrokerSubscriptions.Reconciled brokerSubscriptions) {
    }

    /** What one sweep did. */
    public record SweepReport(int probed, int closed) {
    }

    private final Hub hub;
    private final BrokerSubscriptions broker;
    private final ConnectionRegistry registry;
    private final Scheduler scheduler;
    private final Duration interval;
    private final Counter orphanSubscriptions;
    private final Counter orphanConnections;
    private final Counter brokerReleased;
    private final Counter brokerRestored;
    private Set<Long> closedLastTime = Set.of(); // touched only by audit(), which is serialized below
    private Set<Long> releasedLastTime = Set.of(); // likewise
    private volatile Disposable periodic;

    public ConnectionAuditor(Hub hub, BrokerSubscriptions broker, ConnectionRegistry registry, Scheduler scheduler,
                             Duration interval, GatewayMetrics metrics) {
        this.hub = hub;
        this.broker = broker;
        this.registry = registry;
        this.scheduler = scheduler;
        this.interval = interval;
        this.orphanSubscriptions = metrics.orphansReclaimed(GatewayMetrics.Orphan.SUBSCRIPTION);
        this.orphanConnections = metrics.orphansReclaimed(GatewayMetrics.Orphan.CONNECTION);
        this.brokerReleased = metrics.brokerSubscriptionsReconciled("released");
        this.brokerRestored = metrics.brokerSubscriptionsReconciled("restored");
    }

    /** One reconciliation pass. Safe to call at any time; passes never overlap. */
    public synchronized AuditReport audit() {
        // Visit the hub before snapshotting the registry: a connection registers before it subscribes, so
        // every subscriber seen here whose connection is alive is also in the later snapshot.
        List<Object[]> seen = new ArrayList<>();
        hub.forEachSubscription((channel, subscriber) -> seen.add(new Object[] {channel, subscriber}));
        List<Connection> live = registry.snapshot();
        Set<SubscriberBuffer> owned = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Connection c : live) {
            owned.add(c.buffer());
        }

        int orphanSubs = 0;
        for (Object[] pair : seen) {
            String channel = (String) pair[0];
            SubscriberBuffer subscriber = (SubscriberBuffer) pair[1];
            // unsubscribe() is true only if it was still there: a connection released meanwhile is no orphan.
            if (!owned.contains(subscriber) && hub.unsubscribe(channel, subscriber)) {
                orphanSubs++;
                orphanSubscriptions.increment();
                log.warn("audit: reclaimed orphan subscription to channel '{}' (buffer depth {}) owned by no open connection",
                        channel, subscriber.depth());
            }
        }

        int orphanConns = 0;
        Set<Long> closedNow = new HashSet<>();
        Set<Long> releasedNow = new HashSet<>();
        for (Connection c : live) {
            if (c.isReleased()) {
                if (!releasedLastTime.contains(c.id())) {
                    releasedNow.add(c.id()); // most likely a release in progress: look again next time
                }
                else if (registry.removeReleased(c)) {
                    orphanConns++;
                    orphanConnections.increment();
                    log.warn("audit: removed registry entry of released connection {} from {}", c.id(), c.remoteAddress());
                }
            } else if (!c.socketOpen()) {
                if (closedLastTime.contains(c.id())) {
                    // Closing may end the pipeline at once, which then terminates it itself: either way it is ours.
                    if (c.reclaim()) {
                        orphanConns++;
                        orphanConnections.increment();
                        log.warn("audit: reclaimed connection {} from {} (age {} ms, {} subscriptions): socket closed but pipeline still held it",
                                c.id(), c.remoteAddress(), System.currentTimeMillis() - c.openedAtMillis(), c.subscriptionCount());
                    }
                } else {
                    closedNow.add(c.id());
                }
            }
        }
        closedLastTime = closedNow;
        releasedLastTime = releasedNow;
        return new AuditReport(live.size(), seen.size(), orphanSubs, orphanConns, reconcileBroker());
    }

    /** After the orphans: their channels are closed by now, and the broker should no longer hold them. */
    private BrokerSubscriptions.Reconciled reconcileBroker() {
        BrokerSubscriptions.Reconciled reconciled = broker.reconcile(hub.channels().keySet());
        if (reconciled.released() > 0) {
            brokerReleased.increment(reconciled.released());
            log.warn("audit: released {} node subscription(s) at the broker for channels with no local subscriber",
                    reconciled.released());
        }
        if (reconciled.restored() > 0) {
            brokerRestored.increment(reconciled.restored());
            log.warn("audit: subscribed again at the broker to {} channel(s) with local subscribers the node had lost",
                    reconciled.restored());
        }
        if (reconciled.resent() > 0) {
            log.info("audit: sent {} (un)subscribe(s) in flight at the broker again", reconciled.resent());
        }
        return reconciled;
    }

    /** Pings every connection now; after {@code timeout}, closes those from which nothing has arrived since. */
    public Mono<SweepReport> sweep(Duration timeout) {
        return Mono.defer(() -> {
            long sentAt = scheduler.now(TimeUnit.NANOSECONDS);
            // A stream that cannot answer a ping (SSE) would fail every probe: it is not swept.
            List<Connection> probed = new ArrayList<>(registry.snapshot());
            probed.removeIf(connection -> !connection.answersPings());
            probed.forEach(Connection::probe);
            return Mono.delay(timeout, scheduler).map(elapsed -> {
                int closed = 0;
                for (Connection c : probed) {
                    if (c.lastInboundNanos() < sentAt && c.close(CloseReason.LIVENESS_TIMEOUT)) {
                        closed++;
                    }
                }
                log.info("sweep: probed {} connection(s), closed {} that did not answer within {}", probed.size(), closed, timeout);
                return new SweepReport(probed.size(), closed);
            });
        });
    }

    @Override
    public void start() {
        periodic = Flux.interval(interval, interval, scheduler)
                .onBackpressureDrop()
                .subscribe(tick -> {
                    try {
                        audit();
                    } catch (RuntimeException e) {
                        log.error("audit failed; next pass in {}", interval, e);
                    }
                });
    }

    @Override
    public void stop() {
        Disposable d = periodic;
        if (d != null) {
            d.dispose();
        }
        periodic = null;
    }

    @Override
    public boolean isRunning() {
        return periodic != null && !periodic.isDisposed();
    }
}
