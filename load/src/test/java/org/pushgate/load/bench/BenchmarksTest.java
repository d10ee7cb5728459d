package org.pushgate.load.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.pushgate.gateway.protocol.ClientCommand;

/** The benchmarks are generated (BenchmarkList present) and their bodies do what they claim, run a few times. */
class BenchmarksTest {

    @Test
    void jmhAnnotationProcessorWroteTheBenchmarkList() throws IOException {
        try (InputStream list = getClass().getClassLoader().getResourceAsStream("META-INF/BenchmarkList")) {
            assertThat(list).as("META-INF/BenchmarkList on the class path").isNotNull();
            String text = new String(list.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(text).contains("HubPublishBenchmark", "HubSubscriptionBenchmark", "FrameCodecBenchmark",
                    "MemoryBrokerPublishBenchmark", "HubJoinStormBenchmark", "PublishBodyBenchmark", "ConnectPathBenchmark");
        }
    }

    @Test
    void publishReachesEverySubscriberAndTheyDrainIt() {
        HubPublishBenchmark bench = new HubPublishBenchmark();
        bench.subscribers = 100;
        bench.payloadBytes = 100;
        bench.setUp();
        for (int i = 0; i < 2_000; i++) { // more than a buffer holds: only a draining consumer keeps up
            assertThat(bench.publish()).isEqualTo(100);
        }
        bench.checkEveryFrameArrived();
    }

    @Test
    void publishesThroughTheMemoryEngineGetConsecutiveOffsetsWithHistoryOnAndOff() {
        for (int history : new int[] {0, 100}) {
            MemoryBrokerPublishBenchmark bench = new MemoryBrokerPublishBenchmark();
            bench.history = history;
            bench.payloadBytes = 100;
            bench.setUp();
            for (int i = 1; i <= 2_000; i++) {
                assertThat(bench.publish()).isEqualTo(i);
            }
            bench.checkEveryFrameArrived();
        }
    }

    @Test
    void churnLeavesTheHubAsItWas() {
        for (int existing : new int[] {0, 100}) {
            HubSubscriptionBenchmark bench = new HubSubscriptionBenchmark();
            bench.existing = existing;
            bench.setUp();
            for (int i = 0; i < 100; i++) {
                assertThat(bench.subscribeUnsubscribe()).isTrue();
                assertThat(bench.connectionLifecycle()).isTrue();
            }
            bench.checkNothingLeft();
        }
    }

    @Test
    void aJoinStormLeavesNothing() {
        HubJoinStormBenchmark bench = new HubJoinStormBenchmark();
        bench.subscribers = 1_000;
        bench.setUp();
        for (int i = 0; i < 3; i++) {
            assertThat(bench.joinAllThenLeaveAll()).isEqualTo(1_000);
        }
    }

    @Test
    void theTreeAndTheStreamingReadGiveTheSameData() {
        for (String body : new String[] {"small", "1kb"}) {
            PublishBodyBenchmark bench = new PublishBodyBenchmark();
            bench.body = body;
            bench.setUp();
            assertThat(bench.streaming()).isEqualTo(bench.tree());
        }
    }

    @Test
    void everyConnectionOpensAndIsReleasedByItsPeersClose() {
        for (int channels : new int[] {0, 1}) {
            ConnectPathBenchmark bench = new ConnectPathBenchmark();
            bench.channels = channels;
            bench.setUp();
            for (int i = 0; i < 200; i++) {
                assertThat(bench.connectAndClose()).isEqualTo(1);
            }
            bench.checkNothingLeft();
        }
    }

    @Test
    void codecBenchmarksProduceTheFrames() {
        FrameCodecBenchmark bench = new FrameCodecBenchmark();
        FrameCodecBenchmark.Payload payload = new FrameCodecBenchmark.Payload();
        payload.payloadBytes = 100;
        payload.setUp();
        assertThat(payload.bytes).hasSize(100);
        assertThat(bench.message(payload).text()).startsWith("{\"op\":\"message\",\"channel\":\"news.sports:eu\",\"offset\":1,");
        assertThat(bench.subscribed().text()).isEqualTo("{\"op\":\"subscribed\",\"channel\":\"news.sports:eu\",\"id\":42}");
        assertThat(bench.decodeSubscribe()).isInstanceOf(ClientCommand.Subscribe.class);
    }
}
