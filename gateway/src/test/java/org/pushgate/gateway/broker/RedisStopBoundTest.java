package org.pushgate.gateway.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pushgate.gateway.broker.BrokerContract.POLICY;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.pushgate.gateway.redis.RedisServer;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.protocol.DefaultEndpoint;
import io.lettuce.core.resource.ClientResources;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Lettuce's endpoint lock ({@code SharedLock}) and what this broker does about it: writes from non-blocking threads
 * under BlockHound leave its writer count balanced (the allowance in LibraryLocksBlockHoundIntegration), and a
 * stop whose Lettuce close never finishes (the writer count leaked: the close busy-spins forever) still returns
 * at once and calls back within its bound. The leak is made for real, on a real connection, by setting the count
 * Lettuce keeps; it is put back afterwards so that the spinning thread ends.
 */
@Timeout(120)
class RedisStopBoundTest {

    private static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Test
    void writesFromNonBlockingThreadsLeaveTheWriterCountBalanced() throws Exception {
        ClientResources resources = ClientResources.create();
        Scheduler loops = Schedulers.newParallel("writers", 8); // NonBlocking threads: BlockHound watches them
        RedisClient client = RedisClient.create(resources, redis.uri());
        try {
            StatefulRedisConnection<String, String> connection = client.connect();
            int threads = 8;
            int each = 3_000;
            CountDownLatch written = new CountDownLatch(threads);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            for (int t = 0; t < threads; t++) {
                loops.schedule(() -> {
                    try {
                        for (int i = 0; i < each; i++) {
                            connection.async().ping();
                        }
                    }
                    catch (Throwable e) {
                        thrown.compareAndSet(null, e);
                    }
                    finally {
                        written.countDown();
                    }
                });
            }
            assertThat(written.await(60, TimeUnit.SECONDS)).as("all writes issued").isTrue();
            assertThat(thrown.get()).as("a write threw").isNull();
            assertThat(writers(connection)).as("Lettuce's writer count after the writes").isZero();
        }
        finally {
            loops.dispose();
            client.shutdownAsync(0, 2, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS);
            resources.shutdown(0, 2, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aStopWhoseCloseNeverFinishesStillEndsWithinItsBound() throws Exception {
        Duration timeout = Duration.ofMillis(500);
        RedisBroker broker = RedisBrokerContractTest.started(new RecordingHub(), POLICY,
                RedisBrokerContractTest.settings(List.of(redis.uri()), timeout));
        RedisShard shard = shards(broker).get(0);
        StatefulConnection<?, ?> commands = (StatefulConnection<?, ?>) field(RedisShard.class, "commands").get(shard);
        Field writers = field(Class.forName("io.lettuce.core.protocol.SharedLock"), "writers");
        Object lock = field(DefaultEndpoint.class, "sharedLock").get(endpoint(commands));
        writers.setLong(lock, -1); // what a leaked writer leaves: the close spins in lockWritersExclusive
        try {
            CountDownLatch stopped = new CountDownLatch(1);
            CountDownLatch returned = new CountDownLatch(1);
            Thread caller = new Thread(() -> {
                broker.stop(stopped::countDown);
                returned.countDown();
            }, "stop-caller");
            caller.setDaemon(true);
            long start = System.nanoTime();
            caller.start();
            assertThat(returned.await(10, TimeUnit.SECONDS)).as("stop() returned to its caller").isTrue();
            // Bound: timeout (closes) + timeout (client) + 2 timeouts (Lettuce's threads); loose for a busy box.
            assertThat(stopped.await(30, TimeUnit.SECONDS)).as("the stop called back").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        }
        finally {
            writers.setLong(lock, 0); // lets the stuck closer thread finish
        }
    }

    @SuppressWarnings("unchecked")
    private static List<RedisShard> shards(RedisBroker broker) throws ReflectiveOperationException {
        return (List<RedisShard>) field(RedisBroker.class, "shards").get(broker);
    }

    private static long writers(StatefulConnection<?, ?> connection) throws ReflectiveOperationException {
        Object lock = field(DefaultEndpoint.class, "sharedLock").get(endpoint(connection));
        return field(Class.forName("io.lettuce.core.protocol.SharedLock"), "writers").getLong(lock);
    }

    /** The DefaultEndpoint under the connection's writer (Lettuce wraps it when commands time out). */
    private static DefaultEndpoint endpoint(StatefulConnection<?, ?> connection) throws ReflectiveOperationException {
        Object writer = ((io.lettuce.core.RedisChannelHandler<?, ?>) connection).getChannelWriter();
        while (!(writer instanceof DefaultEndpoint)) {
            writer = field(writer.getClass(), "delegate").get(writer);
        }
        return (DefaultEndpoint) writer;
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field f = type.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }
}
