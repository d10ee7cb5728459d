package org.pushgate.load.bench;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.pushgate.load.client.Frames;
import org.pushgate.load.report.JsonCodec;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.AttributeKey;

/**
 * The JVM floor for the side-by-side runs (load/versus-nchan.sh, docs/benchmarks.md section 10g): the least a push
 * server on this JVM and this Netty can do for Nchan's workloads, speaking Nchan's API so that the same generator
 * drives it unchanged ({@code --target floor}): subscribers on {@code ws://127.0.0.1:PORT/sub/{channel}}, publishes
 * as {@code POST /pub/{channel}} with the raw body (201 with subscribers, 202 without), every text frame one
 * message's body, {@code GET /health} 200. For the generator's self-warm-up ({@code --self-warmup}, which runs a floor
 * inside the generator, {@link #start}) it also speaks the part of the gateway's protocol that the fan-out uses:
 * {@code /ws?channel=c}, {@code POST /api/publish} with the gateway's JSON body, frames in its message envelope.
 *
 * <p>Nothing a product needs and a floor does not: no protocol, no JSON, no authentication, no limits, no history,
 * no heartbeats or liveness, no metrics, no buffers of its own (Netty's outbound buffer only), no Reactor. Plain
 * Netty with the same version, transport (native epoll when available) and number of event loops (4 on two cores,
 * as Reactor Netty's default) as the gateway; Netty's own HTTP codec and WebSocket handshaker. What it does is what
 * any server must: accept, parse the upgrade, answer it, keep each socket in its channel's set, and for a publish
 * encode the frame once and write a view of it to every subscriber on the subscriber's own event loop, one task per
 * loop per publish (as the gateway's per-loop fan-out).
 *
 * <pre>java -cp load/target/load-gen.jar org.pushgate.load.bench.NettyFloor [port] [event loops]</pre>
 */
public final class NettyFloor {

    private static final AttributeKey<WebSocketServerHandshaker> HANDSHAKER = AttributeKey.valueOf("floor.handshaker");
    private static final int MAX_BODY = 64 * 1024;

    /** Per channel: its subscribers grouped by event loop; each set is touched only on its loop. */
    private final Map<String, Map<EventLoop, Set<Channel>>> channels = new ConcurrentHashMap<>();
    /** The gateway's per-channel offsets, for publishes in its protocol ({@code POST /api/publish}). */
    private final Map<String, AtomicLong> offsets = new ConcurrentHashMap<>();
    private final LongAdder upgrades = new LongAdder();
    private final LongAdder frames = new LongAdder();

    private NettyFloor() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 18995;
        int loops = args.length > 1 ? Integer.parseInt(args[1]) : Math.max(Runtime.getRuntime().availableProcessors(), 4);
        if (port < 1 || port > 65_535 || loops < 1 || loops > 64) {
            System.err.println("usage: NettyFloor [port] [event loops 1..64]");
            System.exit(2);
        }
        try (Running floor = start(port, loops)) {
            System.out.printf("netty floor on 127.0.0.1:%d (%s, %d event loops)%n", floor.port(),
                    floor.epoll ? "epoll" : "nio", loops);
            floor.server.closeFuture().sync();
        }
    }

    /**
     * Starts a floor in this process on 127.0.0.1 (the generator's self-warm-up runs one: {@code --self-warmup}).
     *
     * @param port 0 for any free port
     */
    public static Running start(int port, int loops) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> serverChannel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, io);
        NettyFloor floor = new NettyFloor();
        Http http = floor.new Http();
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(serverChannel)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY), http);
                        }
                    })
                    .bind("127.0.0.1", port).sync().channel();
            return new Running(floor, group, server, epoll);
        }
        catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** A floor running in this process; closing it closes its sockets and its event loops. */
    public static final class Running implements AutoCloseable {
        private final NettyFloor floor;
        private final EventLoopGroup group;
        private final Channel server;
        private final boolean epoll;

        private Running(NettyFloor floor, EventLoopGroup group, Channel server, boolean epoll) {
            this.floor = floor;
            this.group = group;
            this.server = server;
            this.epoll = epoll;
        }

        public int port() {
            return ((InetSocketAddress) server.localAddress()).getPort();
        }

        /** WebSocket upgrades answered so far. */
        public long upgrades() {
            return floor.upgrades.sum();
        }

        /** Message frames written to subscribers so far (as each loop's task starts its walk). */
        public long frames() {
            return floor.frames.sum();
        }

        @Override
        public void close() {
            server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    /** HTTP requests and, once upgraded, the socket's WebSocket frames; one instance for every channel. */
    @ChannelHandler.Sharable
    private final class Http extends SimpleChannelInboundHandler<Object> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest request) {
                request(ctx, request);
            }
            else if (msg instanceof WebSocketFrame frame) {
                frame(ctx, frame);
            }
        }

        private void request(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = request.uri();
            int query = path.indexOf('?');
            if (query >= 0) {
                path = path.substring(0, query);
            }
            if (!request.decoderResult().isSuccess()) {
                answer(ctx, request, HttpResponseStatus.BAD_REQUEST);
            }
            else if (request.method() == HttpMethod.GET && path.startsWith("/sub/") && path.length() > 5) {
                subscribe(ctx, request, path.substring(5));
            }
            else if (request.method() == HttpMethod.POST && path.startsWith("/pub/") && path.length() > 5) {
                int subscribers = publish(path.substring(5), request.content());
                answer(ctx, request, subscribers > 0 ? HttpResponseStatus.CREATED : HttpResponseStatus.ACCEPTED);
            }
            else if (request.method() == HttpMethod.GET && path.equals("/ws")) {
                String channel = new QueryStringDecoder(request.uri()).parameters().getOrDefault("channel", List.of(""))
                        .get(0);
                if (channel.isEmpty()) {
                    answer(ctx, request, HttpResponseStatus.BAD_REQUEST);
                }
                else {
                    subscribe(ctx, request, channel);
                }
            }
            else if (request.method() == HttpMethod.POST && path.equals("/api/publish")) {
                publishAsGateway(ctx, request);
            }
            else if (request.method() == HttpMethod.GET && path.equals("/health")) {
                answer(ctx, request, HttpResponseStatus.OK);
            }
            else {
                answer(ctx, request, HttpResponseStatus.NOT_FOUND);
            }
        }

        private void subscribe(ChannelHandlerContext ctx, FullHttpRequest request, String channel) {
            WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                    "ws://" + request.headers().get(HttpHeaderNames.HOST) + request.uri(), null, false, MAX_BODY)
                    .newHandshaker(request);
            if (handshaker == null) {
                WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
                return;
            }
            Channel socket = ctx.channel();
            socket.attr(HANDSHAKER).set(handshaker);
            handshaker.handshake(socket, request).addListener((ChannelFutureListener) done -> {
                if (!done.isSuccess()) {
                    socket.close();
                    return;
                }
                // On the socket's loop (the handshake's write completes there): its set is touched only there.
                Set<Channel> mine = channels.computeIfAbsent(channel, c -> new ConcurrentHashMap<>())
                        .computeIfAbsent(socket.eventLoop(), loop -> new LinkedHashSet<>());
                mine.add(socket);
                upgrades.increment();
                socket.closeFuture().addListener(closed -> mine.remove(socket));
            });
        }

        private void frame(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof CloseWebSocketFrame close) {
                WebSocketServerHandshaker handshaker = ctx.channel().attr(HANDSHAKER).get();
                handshaker.close(ctx.channel(), close.retain());
            }
            else if (frame instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            }
            // text, binary, pong: nothing to do
        }

        /**
         * The gateway's publish, as far as the generator's fan-out uses it: the body {@code {"channel":..,"data":..}}
         * (as {@link Frames#publishBody} writes it), delivered as {@code {"op":"message","channel":..,"offset":n,
         * "data":..}} with the channel's next offset; 200 with {@code {"subscribers":n}}, 400 for another body.
         */
        private void publishAsGateway(ChannelHandlerContext ctx, FullHttpRequest request) {
            String body = request.content().toString(StandardCharsets.UTF_8);
            String channel = Frames.stringField(body, "channel");
            int data = Frames.valueStart(body, "data");
            int end = body.lastIndexOf('}');
            if (channel == null || channel.isEmpty() || data < 0 || end <= data) {
                answer(ctx, request, HttpResponseStatus.BAD_REQUEST);
                return;
            }
            long offset = offsets.computeIfAbsent(channel, c -> new AtomicLong()).incrementAndGet();
            String frame = "{\"op\":\"message\",\"channel\":" + JsonCodec.write(channel) + ",\"offset\":" + offset
                    + ",\"data\":" + body.substring(data, end) + "}";
            int subscribers = publish(channel, Unpooled.wrappedBuffer(frame.getBytes(StandardCharsets.UTF_8)));
            answer(ctx, request, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(("{\"subscribers\":" + subscribers + "}").getBytes(StandardCharsets.UTF_8)));
        }

        private void answer(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status) {
            answer(ctx, request, status, Unpooled.EMPTY_BUFFER);
        }

        private void answer(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, ByteBuf body) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            if (body.isReadable()) {
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            }
            if (HttpUtil.isKeepAlive(request)) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(response, ctx.voidPromise());
            }
            else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset peer, a bad frame: the socket ends, nothing else
        }
    }

    /**
     * Encodes the message once as an unmasked text frame and writes a view of it to every subscriber, one task per
     * event loop that has subscribers of the channel.
     *
     * @return the number of subscribers when the publish was read (each loop's set as its task finds it)
     */
    private int publish(String channel, ByteBuf body) {
        Map<EventLoop, Set<Channel>> byLoop = channels.get(channel);
        if (byLoop == null) {
            return 0;
        }
        ByteBuf wire = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(textFrame(body)));
        List<EventLoop> loops = new ArrayList<>(byLoop.keySet());
        int[] count = {0};
        for (EventLoop loop : loops) {
            Runnable fanOut = () -> {
                Set<Channel> subscribers = byLoop.get(loop);
                frames.add(subscribers.size());
                for (Channel subscriber : subscribers) {
                    subscriber.writeAndFlush(wire.duplicate(), subscriber.voidPromise());
                }
            };
            if (loop.inEventLoop()) {
                count[0] += byLoop.get(loop).size();
                fanOut.run();
            }
            else {
                count[0] += 1; // not counted exactly across loops: 201 means "had subscribers", as Nchan's
                loop.execute(fanOut);
            }
        }
        return count[0];
    }

    private static byte[] textFrame(ByteBuf body) {
        int length = body.readableBytes();
        int header = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
        byte[] frame = new byte[header + length];
        frame[0] = (byte) 0x81; // FIN, text
        if (length < 126) {
            frame[1] = (byte) length;
        }
        else if (length <= 0xFFFF) {
            frame[1] = 126;
            frame[2] = (byte) (length >>> 8);
            frame[3] = (byte) length;
        }
        else {
            frame[1] = 127;
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) ((long) length >>> (56 - 8 * i));
            }
        }
        body.getBytes(body.readerIndex(), frame, header, length);
        return frame;
    }
}
