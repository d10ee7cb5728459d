package org.pushgate.gateway.protocol;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

class CommandDecoderTest {

    final CommandDecoder decoder = new CommandDecoder(new ChannelNames(16), 4096, 8192);

    /**
     * A new decoder's first reads, on several event loops at once, take no lock: Jackson makes a mapper's tree
     * deserializer under one, so the decoder makes it when built (BlockHound, on in this JVM, fails a park on a
     * non-blocking thread: a client's first command failed that way in gateway-tests' StormTest).
     */
    @Test
    void aNewDecodersFirstReadsOnSeveralLoopsAtOnceTakeNoLock() {
        int loops = 4;
        Scheduler nonBlocking = Schedulers.newParallel("first-read", loops);
        try {
            for (int round = 0; round < 100; round++) {
                CommandDecoder fresh = new CommandDecoder(new ChannelNames(16), 4096, 8192);
                AtomicInteger ready = new AtomicInteger();
                AtomicBoolean go = new AtomicBoolean();
                Mono<ClientCommand> firstRead = Mono.fromCallable(() -> {
                    ready.incrementAndGet();
                    while (!go.get()) {
                        // spinning (BlockHound counts even onSpinWait as blocking): every loop reads at once
                    }
                    return fresh.decode("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":1}");
                }).subscribeOn(nonBlocking);
                Mono<java.util.List<ClientCommand>> all = Flux.merge(Flux.range(0, loops).map(i -> firstRead))
                        .collectList().cache();
                all.subscribe(list -> { }, error -> { });
                while (ready.get() < loops) {
                    Thread.onSpinWait();
                }
                go.set(true);
                assertThat(all.block(Duration.ofSeconds(10))).hasSize(loops)
                        .allSatisfy(command -> assertThat(command).isInstanceOf(ClientCommand.Subscribe.class));
            }
        }
        finally {
            nonBlocking.dispose();
        }
    }

    @Test
    void decodesSubscribeAndUnsubscribeWithTheirIds() {
        ClientCommand sub = decoder.decode("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":1}");
        assertThat(sub).isInstanceOf(ClientCommand.Subscribe.class);
        assertThat(((ClientCommand.Subscribe) sub).channel()).isEqualTo("news");
        assertThat(sub.id().intValue()).isEqualTo(1);

        ClientCommand unsub = decoder.decode("{\"op\":\"unsubscribe\",\"channel\":\"user:42\",\"id\":\"a\"}");
        assertThat(unsub).isInstanceOf(ClientCommand.Unsubscribe.class);
        assertThat(unsub.id().stringValue()).isEqualTo("a");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "not json|bad_json",
            "{\"op\":|bad_json",
            "[1,2]|bad_frame",
            "42|bad_frame",
            "{\"channel\":\"a\"}|bad_frame",
            "{\"op\":7}|bad_frame",
            "{\"op\":\"subscribe\",\"channel\":\"a\",\"id\":{}}|bad_frame",
            "{\"op\":\"publish\",\"channel\":\"a\"}|unknown_op",
            "{\"op\":\"subscribe\"}|invalid_channel",
            "{\"op\":\"subscribe\",\"channel\":5}|invalid_channel",
            "{\"op\":\"subscribe\",\"channel\":\"\"}|invalid_channel",
            "{\"op\":\"subscribe\",\"channel\":\"has space\"}|invalid_channel",
            "{\"op\":\"subscribe\",\"channel\":\"quote\\\"\"}|invalid_channel",
            "{\"op\":\"subscribe\",\"channel\":\"seventeen-chars-x\"}|invalid_channel",
    })
    void everyMalformedFrameGetsItsDocumentedCode(String frame, String code) {
        ClientCommand command = decoder.decode(frame);
        assertThat(command).isInstanceOf(ClientCommand.Invalid.class);
        assertThat(((ClientCommand.Invalid) command).code().wire()).isEqualTo(code);
    }

    @Test
    void deeplyNestedFramesAreRefusedWithoutRecursionTrouble() {
        String deep = "{\"op\":\"subscribe\",\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
        ClientCommand command = decoder.decode(deep);
        assertThat(command).isInstanceOf(ClientCommand.Invalid.class);
        assertThat(((ClientCommand.Invalid) command).code()).isEqualTo(ErrorCode.BAD_JSON);
    }

    @Test
    void messageFramesEmbedTheDataVerbatim() {
        OutboundFrame frame = ServerFrames.message("a:b", 7, "{\"k\":[1,\"2\"]}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(frame.text()).isEqualTo("{\"op\":\"message\",\"channel\":\"a:b\",\"offset\":7,\"data\":{\"k\":[1,\"2\"]}}");
    }

    @Test
    void errorFramesEscapeTheirMessage() {
        OutboundFrame frame = ServerFrames.error(ErrorCode.BAD_JSON, "a \"quoted\" word", null);
        assertThat(frame.text()).isEqualTo("{\"op\":\"error\",\"code\":\"bad_json\",\"message\":\"a \\\"quoted\\\" word\"}");
    }
}
