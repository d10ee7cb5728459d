package org.pushgate.load.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.protocol.ClientCommand;
import org.pushgate.gateway.protocol.CommandDecoder;
import org.pushgate.gateway.protocol.OutboundFrame;
import org.pushgate.gateway.protocol.ServerFrames;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The protocol's per-frame costs: a message frame (once per publish, shared by all subscribers), a
 * subscribed reply (once per subscribe) and decoding one client command (once per inbound frame).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrameCodecBenchmark {

    /** The published payload; only {@link #message} uses it, so only it runs once per size. */
    @State(Scope.Benchmark)
    public static class Payload {
        @Param({"100", "4096"})
        public int payloadBytes;

        byte[] bytes;
        long offset;

        @Setup
        public void setUp() {
            bytes = HubPublishBenchmark.payload(payloadBytes);
        }
    }

    private final JsonNode id = JsonNodeFactory.instance.numberNode(42);
    private final CommandDecoder decoder = new CommandDecoder(new ChannelNames(128), 65536, 8192);
    private final String subscribeFrame = "{\"op\":\"subscribe\",\"channel\":\"news.sports:eu\",\"id\":42}";

    @Benchmark
    public OutboundFrame message(Payload payload) {
        return ServerFrames.message("news.sports:eu", ++payload.offset, payload.bytes);
    }

    @Benchmark
    public OutboundFrame subscribed() {
        return ServerFrames.subscribed("news.sports:eu", id);
    }

    @Benchmark
    public ClientCommand decodeSubscribe() {
        return decoder.decode(subscribeFrame);
    }
}
