package org.pushgate.load.bench;

import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.annotations.Warmup;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.publish.PublishBodyReader;

import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What {@code POST /api/publish} does with a body it has read whole, before the broker: parse, validate the channel,
 * re-encode the data compactly. {@code tree} is the path up to issue 14 (a Jackson tree of the whole body, then the
 * data written again from it), written out here as it was; {@code streaming} is {@link PublishBodyReader#publish},
 * one streaming pass that copies the data straight from the parser. The broker's share is
 * {@code MemoryBrokerPublishBenchmark}; WebFlux's (filters, routing, body join, the answer's encoding) is not isolated
 * here.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PublishBodyBenchmark {

    /** small: {"channel":"news.sports:eu","data":{"score":[1,2],"team":"x"}}; 1kb: the same with a 1 KiB string in data. */
    @Param({"small", "1kb"})
    public String body;

    private byte[] bytes;
    private PublishBodyReader reader;
    private ChannelNames channelNames;
    private JsonMapper mapper;

    @Setup(Level.Trial)
    public void setUp() {
        String extra = body.equals("1kb") ? ",\"text\":\"" + "x".repeat(1024) + "\"" : "";
        bytes = ("{\"channel\": \"news.sports:eu\", \"data\": {\"score\": [1, 2], \"team\": \"x\"" + extra + "}}")
                .getBytes(StandardCharsets.UTF_8);
        channelNames = new ChannelNames(128);
        reader = new PublishBodyReader(channelNames);
        mapper = JsonMapper.builder(JsonFactory.builder()
                        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
                        .build())
                .build();
    }

    @Benchmark
    public byte[] tree() {
        JsonNode root = mapper.readTree(bytes);
        if (root == null || !root.isObject()) {
            throw new IllegalStateException("not an object");
        }
        JsonNode channel = root.get("channel");
        if (channel == null || !channel.isString() || channelNames.problem(channel.stringValue()) != null) {
            throw new IllegalStateException("bad channel");
        }
        JsonNode data = root.get("data");
        if (data == null) {
            throw new IllegalStateException("no data");
        }
        return mapper.writeValueAsBytes(data);
    }

    @Benchmark
    public byte[] streaming() {
        return reader.publish(bytes).data();
    }
}
