package org.pushgate.gateway.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pushgate.gateway.auth.ApiAccessFilter;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.broker.BrokerUnavailableException;
import org.pushgate.gateway.broker.History;
import org.pushgate.gateway.broker.Published;
import org.pushgate.gateway.broker.StreamPosition;
import org.pushgate.gateway.protocol.ChannelNames;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * One socket's {@link DirectPublish} on an embedded channel, with a broker that answers when the test says so:
 * what it takes and what it hands on (as it came, buffers intact), answers in the order requests came while a
 * publish is pending, reading stopped meanwhile, and every kept or held buffer released when the socket closes.
 * PublishEndpointTest checks its answers on the wire against WebFlux's.
 */
class DirectPublishTest {

    private static final String KEY = "k";

    /** Publishes not answered yet, oldest first. */
    private final Deque<Sinks.One<Published>> pending = new ArrayDeque<>();
    private int published;
    private final Broker later = new Broker() {
        @Override
        public Mono<Published> publish(String channel, byte[] data) {
            published++;
            Sinks.One<Published> answer = Sinks.one();
            pending.add(answer);
            return answer.asMono();
        }

        @Override
        public Mono<History> history(String channel, long since, int limit) {
            return Mono.error(new UnsupportedOperationException());
        }

        @Override
        public Mono<Void> forget(java.util.Collection<String> channels) {
            return Mono.empty();
        }
    };
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final EmbeddedChannel channel = new EmbeddedChannel(
            new DirectPublish(new DirectPublish.Shared(new ApiAccessFilter(KEY),
                    new Publisher(later, new ChannelNames(64), 64, 3, 10), new PublishTimers(registry),
                    new java.util.concurrent.atomic.LongAdder())));

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void aGoodPublishIsAnsweredWhenTheBrokerAnswers() {
        channel.writeInbound(head("/api/publish", true), last("{\"channel\":\"c\",\"data\":1}"));
        assertThat((Object) channel.readInbound()).as("taken, not handed on").isNull();
        assertThat(published).isEqualTo(1);
        assertThat((Object) channel.readOutbound()).as("nothing answered before the broker").isNull();

        pending.poll().tryEmitValue(new Published(new StreamPosition(7, "e1"), 3));
        FullHttpResponse response = channel.readOutbound();
        assertThat(response.status()).isEqualTo(HttpResponseStatus.OK);
        assertThat(response.headers().entries()).extracting(Object::toString)
                .containsExactly("Content-Type=application/json", "Content-Length=41");
        assertThat(response.content().toString(StandardCharsets.UTF_8))
                .isEqualTo("{\"subscribers\":3,\"offset\":7,\"epoch\":\"e1\"}");
        response.release();
        assertThat(registry.get("http.server.requests").tag("status", "200").timer().count()).isEqualTo(1);
    }

    @Test
    void aBrokerThatIsDownIsAnswered503WithRetryAfter() {
        channel.writeInbound(head("/api/publish", true), last("{\"channel\":\"c\",\"data\":1}"));
        pending.poll().tryEmitError(new BrokerUnavailableException("down", null));
        FullHttpResponse response = channel.readOutbound();
        assertThat(response.status()).isEqualTo(HttpResponseStatus.SERVICE_UNAVAILABLE);
        assertThat(response.headers().get("Retry-After")).isEqualTo("1");
        assertThat(response.content().toString(StandardCharsets.UTF_8)).contains("\"error\":\"broker_unavailable\"");
        response.release();
    }

    @Test
    void aBodyThatWillNotBePublishedIsHandedOnAsItCame() {
        HttpRequest head = head("/api/publish", true);
        HttpContent first = content("{\"channel\":");
        LastHttpContent rest = last("}");
        channel.writeInbound(head, first, rest);
        assertThat((Object) channel.readInbound()).isSameAs(head);
        assertThat((Object) channel.readInbound()).isSameAs(first);
        assertThat((Object) channel.readInbound()).isSameAs(rest);
        assertThat(first.refCnt()).as("not released: Reactor Netty reads it").isEqualTo(1);
        assertThat(published).isZero();
        first.release();
        rest.release();
    }

    @Test
    void aBodyPastTheLimitIsHandedOnWithWhatFollows() {
        HttpRequest head = head("/api/publish", true);
        head.headers().remove("Content-Length");
        head.headers().set("Transfer-Encoding", "chunked");
        HttpContent big = content("{\"channel\":\"c\",\"data\":\"" + "x".repeat(80) + "\"");
        LastHttpContent end = last("}");
        channel.writeInbound(head, big);
        assertThat((Object) channel.readInbound()).isSameAs(head);
        assertThat((Object) channel.readInbound()).isSameAs(big);
        channel.writeInbound(end);
        assertThat((Object) channel.readInbound()).isSameAs(end);
        big.release();
        end.release();
    }

    @Test
    void otherRequestsAndAnyThatDoNotQualifyGoOn() {
        for (HttpRequest request : new HttpRequest[] {head("/api/publish?x=1", true), head("/api/history", true),
                new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.POST, "/api/publish"), withHeader("Expect", "100-continue"),
                withHeader("Upgrade", "websocket"), head("/api/publish", false)}) {
            channel.writeInbound(request);
            assertThat((Object) channel.readInbound()).isSameAs(request);
            channel.writeInbound(LastHttpContent.EMPTY_LAST_CONTENT);
            assertThat((Object) channel.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
            channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
            ((FullHttpResponse) channel.readOutbound()).release();
        }
        assertThat(published).isZero();
    }

    @Test
    void nothingIsTakenWhileReactorNettyStillAnswersAnEarlierRequest() {
        HttpRequest first = head("/api/history", true);
        channel.writeInbound(first, LastHttpContent.EMPTY_LAST_CONTENT);
        HttpRequest publish = head("/api/publish", true);
        LastHttpContent body = last("{\"channel\":\"c\",\"data\":1}");
        channel.writeInbound(publish, body);
        assertThat(channel.inboundMessages()).hasSize(4).contains(publish, body);
        assertThat(published).as("handed on behind the answer Reactor Netty owes").isZero();
    }

    @Test
    void whatComesWhileAPublishIsPendingWaitsInOrderAndReadingStops() {
        channel.writeInbound(head("/api/publish", true), last("{\"channel\":\"c\",\"data\":1}"));
        HttpRequest next = head("/api/history", true);
        channel.writeInbound(next, LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat((Object) channel.readInbound()).as("held behind the pending answer").isNull();
        assertThat(channel.config().isAutoRead()).as("reading stopped").isFalse();

        pending.poll().tryEmitValue(new Published(new StreamPosition(1, "e"), 0));
        ((FullHttpResponse) channel.readOutbound()).release();
        assertThat((Object) channel.readInbound()).as("then it goes on, in order").isSameAs(next);
        assertThat((Object) channel.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(channel.config().isAutoRead()).as("reading again").isTrue();
    }

    @Test
    void onASocketThatReadsOnDemandTheNextReadIsAskedForWhenItPublishesAndNothingMoreUntilItAnswers() {
        int[] reads = {0};
        EmbeddedChannel onDemand = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) {
                reads[0]++;
                ctx.read();
            }
        }, new DirectPublish(new DirectPublish.Shared(new ApiAccessFilter(KEY),
                new Publisher(later, new ChannelNames(64), 64, 3, 10), new PublishTimers(registry),
                new java.util.concurrent.atomic.LongAdder())));
        onDemand.config().setAutoRead(false); // as Reactor Netty's sockets
        reads[0] = 0;

        onDemand.writeInbound(head("/api/publish", true), last("{\"channel\":\"c\",\"data\":1}"));
        assertThat(reads[0]).as("the next request's read, asked for while this one's is under way").isEqualTo(1);
        HttpRequest next = head("/api/history", true);
        onDemand.writeInbound(next, LastHttpContent.EMPTY_LAST_CONTENT); // what that read brought
        assertThat((Object) onDemand.readInbound()).as("held behind the pending answer").isNull();
        assertThat(reads[0]).as("nothing more read while the answer is pending").isEqualTo(1);

        pending.poll().tryEmitValue(new Published(new StreamPosition(1, "e"), 0));
        ((FullHttpResponse) onDemand.readOutbound()).release();
        assertThat((Object) onDemand.readInbound()).as("then it goes on, in order").isSameAs(next);
        assertThat((Object) onDemand.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(reads[0]).as("handed on: Reactor Netty asks for what follows").isEqualTo(1);
        onDemand.finishAndReleaseAll();
    }

    @Test
    void aClientThatLeavesMidBodyHandsTheRequestOnAndHeldBuffersAreReleased() {
        HttpContent part = content("{\"channel\":\"c\"");
        HttpRequest head = head("/api/publish", true);
        channel.writeInbound(head, part);
        assertThat((Object) channel.readInbound()).isNull();
        channel.close();
        assertThat((Object) channel.readInbound()).isSameAs(head);
        assertThat((Object) channel.readInbound()).isSameAs(part);
        part.release();

        EmbeddedChannel other = new EmbeddedChannel(new DirectPublish(new DirectPublish.Shared(new ApiAccessFilter(KEY),
                new Publisher(later, new ChannelNames(64), 64, 3, 10), new PublishTimers(registry),
                new java.util.concurrent.atomic.LongAdder())));
        other.writeInbound(head("/api/publish", true), last("{\"channel\":\"c\",\"data\":1}"));
        HttpContent held = content("held");
        other.writeInbound(head("/api/publish", true), held);
        other.close();
        assertThat(held.refCnt()).as("what was held is released with the socket").isZero();
        assertThat(pending).hasSize(1);
        pending.poll().tryEmitValue(new Published(new StreamPosition(1, "e"), 0)); // answered to a closed socket
        assertThat((Object) other.readOutbound()).isNull();
        other.finishAndReleaseAll();
    }

    @Test
    void aWebSocketUpgradeTakesTheHandlerOut() {
        HttpRequest upgrade = withHeader("Upgrade", "websocket");
        channel.writeInbound(upgrade, LastHttpContent.EMPTY_LAST_CONTENT);
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS));
        ((FullHttpResponse) channel.readOutbound()).release();
        assertThat(channel.pipeline().get(DirectPublish.class)).isNull();
    }

    private static HttpRequest head(String uri, boolean withKey) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri);
        request.headers().set("Content-Type", "application/json").set("Content-Length", "20");
        if (withKey) {
            request.headers().set("Authorization", "Bearer " + KEY);
        }
        return request;
    }

    private static HttpRequest withHeader(String name, String value) {
        HttpRequest request = head("/api/publish", true);
        request.headers().set(name, value);
        return request;
    }

    private static HttpContent content(String text) {
        return new DefaultHttpContent(buffer(text));
    }

    private static LastHttpContent last(String text) {
        return new DefaultLastHttpContent(buffer(text));
    }

    private static ByteBuf buffer(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }
}
