package org.pushgate.load.worker;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import org.pushgate.load.cli.LoadOptions;

import io.netty.channel.ChannelOption;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;

/**
 * The WebSocket clients of one generator process: one unpooled {@link HttpClient} per loopback source address
 * (each address has its own ~28k ephemeral ports), and for slow subscribers a variant with a small fixed receive
 * buffer (no autotuning), so that once a slow subscriber stops reading its TCP window closes after a few KiB
 * instead of after the megabytes an autotuned buffer would take.
 */
final class Clients {

    static final WebsocketClientSpec SPEC = WebsocketClientSpec.builder()
            .maxFramePayloadLength(16 * 1024 * 1024)
            .build();

    private final List<HttpClient> fast = new ArrayList<>();
    private final List<HttpClient> slow = new ArrayList<>();
    private final LoadOptions o;

    Clients(LoadOptions o, List<String> sourceAddresses) {
        this.o = o;
        HttpClient base = HttpClient.newConnection()
                .host(o.host)
                .port(o.port)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, o.connectTimeoutMs))
                .headers(h -> h.set("User-Agent", "pushgate-load"));
        List<String> sources = sourceAddresses.isEmpty() ? java.util.Collections.singletonList(null) : sourceAddresses;
        for (String src : sources) {
            HttpClient c = src == null ? base : base.bindAddress(() -> new InetSocketAddress(src, 0));
            fast.add(c);
            slow.add(c.option(ChannelOption.SO_RCVBUF, o.slowReceiveBuffer));
        }
    }

    /**
     * The client for global connection {@code index}: source addresses are used round-robin, and so are the
     * ports of --connect-ports when it is given.
     */
    HttpClient forIndex(int index, boolean isSlow) {
        List<HttpClient> l = isSlow ? slow : fast;
        HttpClient c = l.get(Math.floorMod(index, l.size()));
        return o.connectPorts.isEmpty() ? c : c.port(o.portOf(index));
    }
}
