package org.pushgate.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.edge.HandshakeFailures.Reason;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import reactor.core.scheduler.Schedulers;

/** The socket budget from accept on, on {@link EmbeddedChannel}s: a slot per open socket, 503 and close past it. */
class AcceptBudgetTest {

    private final SocketBudget budget = new SocketBudget(2);
    private final HandshakeFailures failures = new HandshakeFailures(new org.pushgate.gateway.metrics.GatewayMetrics(new SimpleMeterRegistry()), Duration.ofMinutes(1),
            Schedulers.immediate());
    private final AcceptBudget handler = new AcceptBudget(budget, failures);

    /** What the server's own handlers would see: whether the socket ever became active for them. */
    private static final class Behind extends ChannelInboundHandlerAdapter {
        boolean active;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            active = true;
            ctx.fireChannelActive();
        }
    }

    private EmbeddedChannel accept(Behind behind) throws Exception {
        EmbeddedChannel channel = new EmbeddedChannel(false, false);
        channel.pipeline().addLast(AcceptBudget.NAME, handler);
        channel.pipeline().addLast(behind);
        channel.register();
        return channel;
    }

    @Test
    void socketsPastTheBudgetAreAnswered503AndClosedWithoutEverBecomingActiveForTheServer() throws Exception {
        Behind first = new Behind();
        Behind second = new Behind();
        Behind third = new Behind();
        EmbeddedChannel a = accept(first);
        EmbeddedChannel b = accept(second);
        EmbeddedChannel c = accept(third);

        assertThat(first.active && second.active).isTrue();
        assertThat(a.pipeline().get(AcceptBudget.NAME)).as("an admitted socket's frames never pass the budget").isNull();
        assertThat(budget.open()).isEqualTo(2);
        assertThat(third.active).isFalse();
        assertThat(c.isOpen()).isFalse();
        assertThat(HandshakeGuardTest.drain(c)).startsWith("HTTP/1.1 503 ").contains("Retry-After: 5", "Connection: close");
        assertThat(failures.count(Reason.OVER_BUDGET)).isEqualTo(1);

        a.close();
        assertThat(budget.open()).as("a closed socket returns its slot").isEqualTo(1);
        a.close();
        assertThat(budget.open()).as("exactly once").isEqualTo(1);
        EmbeddedChannel d = accept(new Behind());
        assertThat(d.isOpen()).isTrue();

        b.finishAndReleaseAll();
        d.finishAndReleaseAll();
        assertThat(budget.open()).isZero();
    }

    @Test
    void theDerivedBudgetKeepsHalfTheReserveFreeAndStaysAboveTheConnectionLimit() {
        assertThat(SocketBudget.resolve(0, 20_000, 500, 19_500)).isEqualTo(19_750);
        assertThat(SocketBudget.resolve(300, 20_000, 500, 100)).isEqualTo(300);
        assertThat(SocketBudget.resolve(50_000, 20_000, 500, 19_500)).as("never above the open-file limit").isEqualTo(19_750);
        assertThat(SocketBudget.resolve(0, -1, 500, 10_000)).as("limit unknown").isEqualTo(10_250);
    }
}
