package org.pushgate.gateway.publish;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import org.pushgate.gateway.auth.ApiAccessFilter;
import org.pushgate.gateway.broker.BrokerUnavailableException;
import org.pushgate.gateway.broker.Published;
import org.pushgate.gateway.web.ErrorResponses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.support.Netty4HeadersAdapter;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import reactor.core.Disposable;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;

/**
 * {@code POST /api/publish} answered on the socket's Netty pipeline, below Reactor Netty's HTTP server and Spring's
 * adapter: one handler per HTTP/1.1 socket, just before Reactor Netty's traffic handler, that takes a publish whose
 * answer is 200 (or the broker's 503) and passes everything else on untouched. It exists because the publish path
 * is where the gateway spent most over what the same JVM and Netty need for the same work (docs/benchmarks.md
 * 10h): per request, Reactor Netty's server operations, Spring's request and response adapters and their Reactor
 * chains cost more than the parse, the broker and the fan-out together.
 *
 * <p>The rule that keeps it answering exactly as the WebFlux route does: it serves a request itself only when the
 * answer is one it can give byte for byte (the same headers in the same order, the same body, the same
 * {@code http.server.requests} series), and otherwise hands the request, as it came off the codec, to Reactor Netty,
 * where {@link PublishEndpoint} (or WebFlux) answers it. Taken: exactly {@code POST /api/publish}, HTTP/1.1, a head
 * that decoded, no {@code Expect} or {@code Upgrade}, a declared length within gateway.limits.max-publish-bytes, an
 * access decision that is known at once and allows it (an API key, a server token verified in place), nothing
 * else of this socket's still being answered by Reactor Netty. The body is kept as it comes (its buffers, not a
 * copy) until it is whole; if it is empty, too large, does not parse or is refused by validation, or the client
 * leaves mid-body, the head and the kept contents are handed on as they were, and nothing has been published.
 * After the body parses the handler publishes, so from then on it answers itself: 200 with
 * {@code {"subscribers":n,"offset":k,"epoch":"e"}}, 503 {@code broker_unavailable} with Retry-After, or, for a
 * failure nobody expected, 500 in Spring Boot's error shape (its {@code requestId} is this socket's id and request
 * number, as Reactor Netty's would be, but counted here).
 *
 * <p>Order on the socket is kept: while its own answer is pending (a broker that answers later, as Redis does) it
 * holds what else comes in (on a socket that reads on demand, as Reactor Netty's do, at most what the one read it
 * asks for when it publishes brings), stops reading, and goes on in order once the answer is written; a request it
 * hands on waits for nothing of its own. It owns per request only the kept contents and the held messages, released when
 * handed on, answered, or when the socket closes or the handler leaves the pipeline (a WebSocket upgrade, on its
 * 101). Everything runs on the socket's event loop; a broker's answer from another thread is brought back to it.
 */
final class DirectPublish extends ChannelDuplexHandler {

    static final String NAME = "pushgate.directPublish";

    private static final Logger log = LoggerFactory.getLogger(DirectPublish.class);
    private static final AsciiString CONTENT_TYPE = AsciiString.cached("Content-Type");
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("Content-Length");
    private static final AsciiString APPLICATION_JSON = AsciiString.cached("application/json");

    private enum State {
        /** Between requests. */
        IDLE,
        /** The rest of a request handed to Reactor Netty: its contents follow it there. */
        HANDED_ON,
        /** A request taken: its contents are kept until the last. */
        READING,
        /** A taken request's publish is under way: what comes in meanwhile is held. */
        ANSWERING
    }

    private final Shared shared;
    private State state = State.IDLE;
    /** Requests handed to Reactor Netty whose response has not ended: while any is, nothing is taken. */
    private int handedOn;
    private HttpRequest head;
    private List<HttpContent> contents;
    private int bodyBytes;
    private boolean keepAlive;
    private long start;
    private long requests;
    /** What came in while an answer was pending, in order; null when nothing has. */
    private ArrayDeque<Object> held;
    /** Whether reading was stopped for a pending answer, and so is to be started again. */
    private boolean pausedReading;

    DirectPublish(Shared shared) {
        this.shared = shared;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.ANSWERING) {
            hold(ctx, msg);
            return;
        }
        read(ctx, msg);
    }

    private void read(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case HANDED_ON -> {
                if (msg instanceof LastHttpContent) {
                    state = State.IDLE;
                }
                ctx.fireChannelRead(msg);
            }
            case READING -> {
                if (!(msg instanceof HttpContent content)) { // cannot come from the codec; hand both on
                    handOn(ctx);
                    read(ctx, msg);
                    return;
                }
                contents.add(content);
                bodyBytes += content.content().readableBytes();
                if (bodyBytes > shared.publisher.maxBodyBytes()) {
                    handOn(ctx); // PublishEndpoint answers body_too_large; the rest of the body follows
                } else if (content instanceof LastHttpContent) {
                    publish(ctx);
                }
            }
            case IDLE -> {
                if (msg instanceof HttpRequest request) {
                    if (handedOn == 0 && !(msg instanceof HttpContent) && takes(ctx, request)) {
                        head = request;
                        contents = new ArrayList<>(2);
                        bodyBytes = 0;
                        keepAlive = HttpUtil.isKeepAlive(request);
                        state = State.READING;
                        if (msg instanceof HttpContent content) { // a whole request in one message
                            read(ctx, content);
                        }
                        return;
                    }
                    handedOn++;
                    state = msg instanceof LastHttpContent ? State.IDLE : State.HANDED_ON;
                }
                ctx.fireChannelRead(msg);
            }
            case ANSWERING -> throw new IllegalStateException("held, not read, while answering");
        }
    }

    /** Whether this request is one to take: see the class comment. */
    private boolean takes(ChannelHandlerContext ctx, HttpRequest request) {
        if (request.method() != io.netty.handler.codec.http.HttpMethod.POST
                || !PublishEndpoint.PATH.equals(request.uri())
                || request.protocolVersion() != HttpVersion.HTTP_1_1
                || !request.decoderResult().isSuccess()
                || request.headers().contains(HttpHeaderNames.EXPECT)
                || request.headers().contains(HttpHeaderNames.UPGRADE)) {
            return false;
        }
        String length = request.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null && !withinLimit(length)) {
            return false; // PublishEndpoint answers body_too_large
        }
        start = shared.timers.start();
        InetSocketAddress remote = ctx.channel().remoteAddress() instanceof InetSocketAddress address ? address : null;
        Verdict verdict = new Verdict();
        Disposable decision = shared.access.decide(PublishEndpoint.PATH, HttpMethod.POST,
                new HttpHeaders(new Netty4HeadersAdapter(request.headers())), remote).subscribe(verdict, verdict::failed);
        if (!verdict.known) {
            decision.dispose(); // decided later (a token verified elsewhere): PublishEndpoint waits for it
        }
        return verdict.allowed;
    }

    private boolean withinLimit(String length) {
        try {
            return length.length() < 12 && Long.parseLong(length.trim()) <= shared.publisher.maxBodyBytes();
        } catch (NumberFormatException e) {
            return false; // the codec lets only a number through; anything else is Reactor Netty's to answer
        }
    }

    /** The body is whole: parsed and published here, or handed on untouched for the answer it gets there. */
    private void publish(ChannelHandlerContext ctx) {
        byte[] body = new byte[bodyBytes];
        int at = 0;
        for (HttpContent content : contents) {
            int size = content.content().readableBytes();
            content.content().getBytes(content.content().readerIndex(), body, at, size);
            at += size;
        }
        PublishBodyReader.Publish parsed;
        try {
            parsed = body.length == 0 ? null : shared.publisher.publishBody(body);
        } catch (RuntimeException refused) { // a RejectedRequest: PublishEndpoint answers it, nothing published
            parsed = null;
        }
        if (parsed == null) {
            handOn(ctx);
            return;
        }
        release(contents);
        contents = null;
        state = State.ANSWERING;
        shared.served.increment();
        requests++;
        if (keepAlive && !ctx.channel().config().isAutoRead()) {
            // The next request's read is asked for now, while this read is still under way, so epoll keeps the
            // socket's read interest: asked for only once an answer that comes later is written, it is cleared at
            // the end of this read and set again then, two epoll_ctl calls a request (docs/benchmarks.md, 10k). What
            // that read brings before the answer is held (hold), and then nothing more is read until it is written.
            ctx.read();
        }
        Answer answer = new Answer(ctx);
        shared.publisher.publish(parsed.channel(), parsed.data()).subscribe(answer, answer::failed, answer);
    }

    /** The taken request, as it came, to Reactor Netty: head first, then the contents kept so far. */
    private void handOn(ChannelHandlerContext ctx) {
        HttpRequest request = head;
        List<HttpContent> kept = contents;
        head = null;
        contents = null;
        handedOn++;
        boolean whole = !kept.isEmpty() && kept.get(kept.size() - 1) instanceof LastHttpContent;
        state = whole ? State.IDLE : State.HANDED_ON;
        ctx.fireChannelRead(request);
        for (HttpContent content : kept) {
            ctx.fireChannelRead(content);
        }
    }

    /** The answer to a taken request, on the event loop; then what was held is read, in order. */
    private void answered(ChannelHandlerContext ctx, HttpResponseStatus status, byte[] body, int retryAfter,
                          String exception) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        if (status == HttpResponseStatus.OK) {
            response.headers().set(CONTENT_TYPE, APPLICATION_JSON); // as PublishEndpoint.answer sets them
        } else {
            ErrorResponses.headers(new HttpHeaders(new Netty4HeadersAdapter(response.headers())),
                    HttpStatus.valueOf(status.code()), retryAfter);
        }
        response.headers().set(CONTENT_LENGTH, body.length);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        shared.timers.answered(start, status.code(), PublishEndpoint.PATH, exception);
        head = null;
        state = State.IDLE;
        if (!ctx.channel().isActive()) {
            response.release(); // the client left while the broker answered; the publish stands
            return;
        }
        if (keepAlive) {
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        resume(ctx);
    }

    private void hold(ChannelHandlerContext ctx, Object msg) {
        if (held == null) {
            held = new ArrayDeque<>(4);
        }
        held.add(msg);
        if (!pausedReading && ctx.channel().config().isAutoRead()) {
            pausedReading = true; // what is already decoded still comes; nothing more is read meanwhile
            ctx.channel().config().setAutoRead(false);
        }
    }

    /** Reads what was held, until another answer is pending; then reading goes on as it did. */
    private void resume(ChannelHandlerContext ctx) {
        while (held != null && !held.isEmpty() && state != State.ANSWERING) {
            read(ctx, held.poll());
        }
        if (state != State.ANSWERING && pausedReading) {
            pausedReading = false;
            ctx.channel().config().setAutoRead(true);
        }
        if (!ctx.channel().config().isAutoRead() && state != State.ANSWERING && handedOn == 0) {
            ctx.read(); // nobody else asks for the next request on a socket that reads on demand
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state == State.READING && !ctx.channel().config().isAutoRead()) {
            ctx.read(); // the rest of a taken body
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            if (response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                ctx.write(msg, promise); // a WebSocket from now on: no more HTTP requests on this socket
                ctx.pipeline().remove(this);
                return;
            }
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                ctx.write(msg, promise); // 100 Continue: the request goes on
                return;
            }
        }
        if (msg instanceof LastHttpContent && handedOn > 0) {
            handedOn--; // Reactor Netty ended the answer to a request handed on
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == State.READING) {
            handOn(ctx); // the client left mid-body: Reactor Netty ends the request as it would have
        }
        releaseHeld();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (contents != null) {
            release(contents);
            contents = null;
        }
        releaseHeld();
    }

    private void releaseHeld() {
        if (held != null) {
            held.forEach(ReferenceCountUtil::release);
            held = null;
        }
    }

    private static void release(List<HttpContent> contents) {
        contents.forEach(ReferenceCountUtil::release);
    }

    /** The access decision, when it is known at once. */
    private static final class Verdict implements java.util.function.Consumer<ApiAccessFilter.Verdict> {
        boolean known;
        boolean allowed;

        @Override
        public void accept(ApiAccessFilter.Verdict verdict) {
            known = true;
            allowed = verdict.allowed();
        }

        void failed(Throwable error) {
            known = true; // PublishEndpoint answers it as WebFlux would
        }
    }

    /** The broker's answer to one taken publish, brought to the event loop. */
    private final class Answer implements java.util.function.Consumer<Published>, Runnable {
        private final ChannelHandlerContext ctx;
        private final long request = requests;
        private boolean done;

        Answer(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void accept(Published published) {
            done = true;
            onLoop(() -> answered(ctx, HttpResponseStatus.OK, PublishAnswer.of(published), 0, PublishTimers.NONE));
        }

        void failed(Throwable error) {
            done = true;
            if (error instanceof BrokerUnavailableException) {
                onLoop(() -> answered(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE,
                        ErrorResponses.body(PublishApi.UNAVAILABLE_CODE, PublishApi.UNAVAILABLE_MESSAGE),
                        Publisher.RETRY_AFTER_SECONDS, PublishTimers.NONE));
                return;
            }
            String id = ctx.channel().id().asShortText() + "-" + request;
            log.error("[{}] 500 Server Error for HTTP POST \"{}\"", id, PublishEndpoint.PATH, error);
            onLoop(() -> answered(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    PublishEndpoint.serverError(PublishEndpoint.PATH, id), 0, PublishEndpoint.simpleName(error)));
        }

        /** Completed: a publish that ended without an answer is a failure nobody expected. */
        @Override
        public void run() {
            if (!done) {
                failed(new IllegalStateException("the broker's publish ended without an answer"));
            }
        }

        private void onLoop(Runnable step) {
            if (ctx.executor().inEventLoop()) {
                step.run();
            } else {
                ctx.executor().execute(step);
            }
        }
    }

    /** What every socket's handler shares. */
    record Shared(ApiAccessFilter access, Publisher publisher, PublishTimers timers, LongAdder served) {
    }

    /**
     * Puts a handler into every HTTP/1.1 socket of the client-facing server, just before Reactor Netty's traffic
     * handler (so after the edge's handshake guard, which sees its requests and answers as any other), or not
     * (then {@link PublishEndpoint} serves every publish); counts the requests the handlers answered themselves.
     */
    static final class Installer implements NettyServerCustomizer {

        private final Shared shared;
        private final boolean enabled;

        Installer(ApiAccessFilter access, Publisher publisher, PublishTimers timers, boolean enabled) {
            this.shared = new Shared(access, publisher, timers, new LongAdder());
            this.enabled = enabled;
        }

        @Override
        public HttpServer apply(HttpServer server) {
            if (!enabled) {
                return server;
            }
            return server.doOnChannelInit((observer, channel, remoteAddress) -> {
                if (channel.pipeline().get(NettyPipeline.HttpTrafficHandler) != null) {
                    channel.pipeline().addBefore(NettyPipeline.HttpTrafficHandler, NAME, new DirectPublish(shared));
                }
            });
        }

        /** Requests answered on the pipeline (the rest went on to Reactor Netty). */
        long served() {
            return shared.served().sum();
        }
    }
}
