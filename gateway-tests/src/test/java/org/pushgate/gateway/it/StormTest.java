package org.pushgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pushgate.gateway.it.Profiles.UNLIMITED_BURST;
import static org.pushgate.gateway.it.Profiles.UNLIMITED_COMMANDS;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.pushgate.gateway.connection.CloseReason;
import org.pushgate.gateway.connection.Connection;
import org.pushgate.gateway.it.support.Eventually;
import org.pushgate.gateway.it.support.GatewayProbe;
import org.pushgate.gateway.it.support.GatewayTest;
import org.pushgate.gateway.it.support.Json;
import org.pushgate.gateway.it.support.TestClient;

import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

/**
 * Storms: from several threads at once, clients subscribe and unsubscribe, a backend publishes, and
 * connections are closed every way (close frame, reset, vanish, by the server) in the middle of it all.
 * Once it settles, the gateway's counts agree with what each surviving client was told, reply by reply,
 * and after the last close everything is back to zero (LeakGuard). Each repetition is one storm.
 */
@GatewayTest({UNLIMITED_COMMANDS, UNLIMITED_BURST})
class StormTest {

    private static final int CLIENTS = 16;
    private static final int COMMANDERS = 4; // each owns CLIENTS / COMMANDERS clients
    private static final int COMMANDS = 150; // per commander
    private static final int PUBLISHES = 60;
    private static final int CHANNELS = 6;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final GatewayProbe gateway;

    StormTest(GatewayProbe gateway) {
        this.gateway = gateway;
    }

    /** What one client asked, by request id, so that each reply can be checked against the client's own history. */
    private static final class Sent {
        final Map<Integer, String[]> byId = new ConcurrentHashMap<>();
    }

    @RepeatedTest(20)
    void concurrentSubscribeUnsubscribePublishAndCloseLeaveConsistentCounts(RepetitionInfo repetition) throws Exception {
        List<TestClient> clients = Flux.range(0, CLIENTS)
                .flatMap(i -> TestClient.open(gateway.ws()), 8)
                .collectList()
                .block(WAIT);
        assertThat(clients).hasSize(CLIENTS);
        List<Sent> sent = new ArrayList<>();
        clients.forEach(c -> sent.add(new Sent()));
        long seed = 7919L * repetition.getCurrentRepetition();

        ExecutorService storm = Executors.newFixedThreadPool(COMMANDERS + 2, named("storm-" + repetition.getCurrentRepetition()));
        CountDownLatch halfway = new CountDownLatch(COMMANDERS);
        AtomicInteger published = new AtomicInteger();
        List<Callable<Void>> tasks = new ArrayList<>();
        int perCommander = CLIENTS / COMMANDERS;
        for (int k = 0; k < COMMANDERS; k++) {
            int first = k * perCommander;
            Random random = new Random(seed + k);
            tasks.add(() -> {
                for (int j = 0; j < COMMANDS; j++) {
                    int index = first + random.nextInt(perCommander);
                    String channel = "storm-" + random.nextInt(CHANNELS);
                    TestClient client = clients.get(index);
                    boolean subscribe = random.nextInt(5) < 3;
                    int id = subscribe ? client.subscribeAsync(channel) : client.unsubscribeAsync(channel);
                    sent.get(index).byId.put(id, new String[] {subscribe ? "subscribe" : "unsubscribe", channel});
                    if (j == COMMANDS / 2) {
                        halfway.countDown();
                    }
                }
                return null;
            });
        }
        tasks.add(() -> {
            for (int j = 0; j < PUBLISHES; j++) {
                GatewayProbe.Response response = gateway.publish("storm-" + (j % CHANNELS), "{\"j\":" + j + "}");
                assertThat(response.status()).isEqualTo(200);
                published.incrementAndGet();
            }
            return null;
        });
        tasks.add(() -> {
            // Closes in the middle of the commands: one of each kind, owned by different commanders.
            assertThat(halfway.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            clients.get(1).abort();
            clients.get(perCommander + 1).vanish();
            clients.get(2 * perCommander + 1).close();
            List<Connection> live = gateway.registry().snapshot();
            if (!live.isEmpty()) {
                live.get(live.size() / 2).close(CloseReason.SERVER_CLOSE);
            }
            return null;
        });
        try {
            for (Future<Void> result : storm.invokeAll(tasks, 60, TimeUnit.SECONDS)) {
                result.get(); // rethrows a task's failure; a timed-out task is cancelled and throws here
            }
        } finally {
            storm.shutdownNow();
            assertThat(storm.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }

        // Settle: every close has gone through on both sides.
        Eventually.await(WAIT, () -> "registry " + gateway.registry().size() + " vs open clients " + openCount(clients),
                () -> gateway.registry().size() == openCount(clients));
        List<Integer> open = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            if (clients.get(i).closedAtNanos() == 0) {
                open.add(i);
            }
        }
        // Three clients closed themselves; the server closed one more, unless it picked one of those three.
        assertThat(open.size()).as(() -> "three or four closed, the rest open: " + describe(clients))
                .isBetween(CLIENTS - 4, CLIENTS - 3);

        // A barrier per client: its reply comes after the replies to everything it sent before.
        for (int i : open) {
            JsonNode reply = clients.get(i).subscribe("sync-" + i);
            assertThat(Json.text(reply, "op")).isEqualTo("subscribed");
        }

        Map<String, Integer> expected = new TreeMap<>();
        long total = 0;
        for (int i : open) {
            Set<String> model = replay(clients.get(i), sent.get(i));
            for (String channel : model) {
                expected.merge(channel, 1, Integer::sum);
            }
            total += model.size();
        }
        assertThat(gateway.hub().channels()).isEqualTo(expected);
        assertThat(gateway.hub().subscriptionCount()).isEqualTo(total);
        assertThat(gateway.registry().snapshot().stream().mapToLong(Connection::subscriptionCount).sum()).isEqualTo(total);
        for (int c = 0; c < CHANNELS; c++) {
            String channel = "storm-" + c;
            assertThat(gateway.publish(channel, "\"check\"").json().get("subscribers").asInt())
                    .as("subscribers of " + channel).isEqualTo(expected.getOrDefault(channel, 0));
        }
        assertThat(published.get()).isEqualTo(PUBLISHES);

        for (int n = 0; n < open.size(); n++) {
            TestClient client = clients.get(open.get(n));
            if (n % 2 == 0) {
                client.close();
            } else {
                client.abort();
            }
        }
        gateway.awaitIdle(WAIT);
    }

    private static String describe(List<TestClient> clients) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < clients.size(); i++) {
            TestClient c = clients.get(i);
            text.append("\n  client ").append(i).append(c.closedAtNanos() == 0 ? " open" : " closed, code " + c.closeCode())
                    .append(c.failure() != null ? ", failure " + c.failure() : "");
        }
        return text.toString();
    }

    private static long openCount(List<TestClient> clients) {
        return clients.stream().filter(c -> c.closedAtNanos() == 0).count();
    }

    /**
     * Replays one client's replies in order against its own requests, checking each reply is the one its
     * history calls for, and returns the channels it is subscribed to now.
     */
    private static Set<String> replay(TestClient client, Sent sent) {
        Set<String> subscribed = new HashSet<>();
        Map<Integer, Boolean> answered = new HashMap<>();
        for (JsonNode frame : client.frames()) {
            String op = Json.text(frame, "op");
            if ("message".equals(op) || "heartbeat".equals(op)) {
                continue;
            }
            assertThat(frame.has("id")).as("every reply carries its request id: " + frame).isTrue();
            int id = frame.get("id").asInt();
            String channel = Json.text(frame, "channel");
            if (channel != null && channel.startsWith("sync-")) {
                subscribed.add(channel);
                continue;
            }
            String[] request = sent.byId.get(id);
            assertThat(request).as("a request was sent with id " + id).isNotNull();
            assertThat(answered.put(id, true)).as("one reply per request: " + id).isNull();
            String asked = request[1];
            switch (op) {
                case "subscribed" -> {
                    assertThat(request[0]).isEqualTo("subscribe");
                    assertThat(subscribed.add(asked)).as("subscribed to " + asked + " only when not yet").isTrue();
                }
                case "unsubscribed" -> {
                    assertThat(request[0]).isEqualTo("unsubscribe");
                    assertThat(subscribed.remove(asked)).as("unsubscribed from " + asked + " only when subscribed").isTrue();
                }
                case "error" -> {
                    String code = Json.text(frame, "code");
                    if ("already_subscribed".equals(code)) {
                        assertThat(subscribed).contains(asked);
                    } else {
                        assertThat(code).isEqualTo("not_subscribed");
                        assertThat(subscribed).doesNotContain(asked);
                    }
                }
                default -> throw new AssertionError("unexpected reply " + frame);
            }
        }
        assertThat(answered).as("every request answered").hasSize(sent.byId.size());
        return subscribed;
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return runnable -> new Thread(runnable, prefix + "-" + n.incrementAndGet());
    }
}
