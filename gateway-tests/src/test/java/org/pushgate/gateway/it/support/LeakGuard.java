package org.pushgate.gateway.it.support;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.test.context.junit.jupiter.SpringExtension;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;

/**
 * After every test, proves that the test left nothing behind in the gateway: within {@link #WITHIN} the
 * connections, subscriptions, channels, per-connection timers, admission permits and pending handshakes of every gateway the
 * test used are back to zero, no non-daemon thread started during the test is still alive, and Netty's
 * leak detector (paranoid in this module) reported no ByteBuf leak. A failure names everything that was
 * left; the guard then resets any client still open so the next test starts clean. It also fails a test
 * during which anything logged a BlockHound {@code BlockingOperationError}: a blocking call on a non-blocking
 * thread that the framework caught and logged (Netty's onUncaughtException, Reactor's scheduler error hook)
 * would otherwise pass unnoticed.
 *
 * <p>Leaks are caught twice over: a {@link ResourceLeakDetector.LeakListener} on the ByteBuf detector and
 * a Logback appender on {@code io.netty.util.ResourceLeakDetector} (which also sees other resource types).
 * Netty reports a leak only when a buffer is tracked after the leaked one was collected, so the check
 * forces a GC and allocates a few buffers before it looks.
 */
public final class LeakGuard implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

    public static final Duration WITHIN = Duration.ofSeconds(10);

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakGuard.class);
    private static final String THREADS = "threads";
    private static final String LEAK_LOGGER = "io.netty.util.ResourceLeakDetector";

    private static final Set<String> LEAKS = java.util.Collections.synchronizedSet(new LinkedHashSet<>());
    private static final List<String> BLOCKING_CALLS = new CopyOnWriteArrayList<>();
    private static final List<GatewayProbe> WATCHED = new CopyOnWriteArrayList<>();
    private static final GuardAppender APPENDER = new GuardAppender();

    static {
        installLeakListener();
    }

    /** Watches a gateway the test started itself (its gauges are checked after the test, too). */
    public static void watch(GatewayProbe probe) {
        WATCHED.add(probe);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            throw new IllegalStateException("Netty leak detection must be paranoid in gateway-tests (surefire argLine "
                    + "-Dio.netty.leakDetection.level=paranoid), was " + ResourceLeakDetector.getLevel());
        }
        attachAppender();
        WATCHED.clear();
        BLOCKING_CALLS.clear();
        context.getStore(NS).put(THREADS, nonDaemonThreads());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        attachAppender();
        List<String> problems = new ArrayList<>();
        List<GatewayProbe> probes = new ArrayList<>(WATCHED);
        springProbe(context).ifPresent(probes::add);
        for (GatewayProbe probe : probes) {
            if (!Eventually.within(WITHIN, () -> probe.gauges().idle())) {
                problems.add("gateway on port " + probe.port() + " not back to zero: " + probe.gauges()
                        + " channels=" + probe.hub().channels());
            }
        }
        @SuppressWarnings("unchecked")
        Set<Thread> before = (Set<Thread>) context.getStore(NS).get(THREADS);
        if (before != null && !Eventually.within(WITHIN, () -> newThreads(before).isEmpty())) {
            problems.add("non-daemon threads started by the test still alive: " + describe(newThreads(before)));
        }
        List<String> leaks = collectLeaks();
        if (!leaks.isEmpty()) {
            problems.add("Netty reported " + leaks.size() + " leak(s):\n" + String.join("\n", leaks));
            forgetLeaks();
        }
        if (!BLOCKING_CALLS.isEmpty()) {
            problems.add("blocking calls on non-blocking threads were logged during the test:\n"
                    + String.join("\n", BLOCKING_CALLS));
            BLOCKING_CALLS.clear();
        }
        WATCHED.clear();
        int reset = Tracked.resetAll();
        if (!problems.isEmpty()) {
            throw new AssertionError("LeakGuard: " + String.join("\n", problems)
                    + (reset > 0 ? "\n(" + reset + " client(s) still open were reset)" : ""));
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == GatewayProbe.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return springProbe(context).orElseThrow(() -> new IllegalStateException(
                "a GatewayProbe parameter needs a @GatewayTest class (a Spring Boot test with a web server)"));
    }

    private static java.util.Optional<GatewayProbe> springProbe(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        if (!MergedAnnotations.from(testClass, MergedAnnotations.SearchStrategy.TYPE_HIERARCHY)
                .isPresent(SpringBootTest.class)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(GatewayProbe.of(SpringExtension.getApplicationContext(context)));
    }

    // ---- leaks

    /**
     * Makes Netty report every buffer that became unreachable without being released, and returns the
     * reports so far (without forgetting them).
     */
    public static List<String> collectLeaks() {
        for (int round = 0; round < 2; round++) {
            System.gc();
            // The reference handler thread enqueues what the GC found a moment later.
            java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20));
            // Each tracked allocation polls the detector's reference queue and reports what it finds there.
            for (ByteBufAllocator allocator : new ByteBufAllocator[] {ByteBufAllocator.DEFAULT,
                    PooledByteBufAllocator.DEFAULT, UnpooledByteBufAllocator.DEFAULT}) {
                for (int i = 0; i < 4; i++) {
                    ByteBuf direct = allocator.directBuffer(16);
                    direct.release();
                    ByteBuf heap = allocator.heapBuffer(16);
                    heap.release();
                }
            }
        }
        synchronized (LEAKS) {
            return new ArrayList<>(LEAKS);
        }
    }

    /** BlockHound errors logged since the current test started (as the guard will report them). */
    public static List<String> blockingCallsLogged() {
        return List.copyOf(BLOCKING_CALLS);
    }

    /** Forgets the blocking calls logged so far (after a test that logged one on purpose). */
    public static void forgetBlockingCalls() {
        BLOCKING_CALLS.clear();
    }

    /** Forgets the leaks reported so far (after a test that leaked on purpose, or after failing a test). */
    public static void forgetLeaks() {
        LEAKS.clear();
    }

    private static void installLeakListener() {
        try {
            Class<?> abstractByteBuf = Class.forName("io.netty.buffer.AbstractByteBuf");
            Field field = abstractByteBuf.getDeclaredField("leakDetector");
            field.setAccessible(true);
            ResourceLeakDetector<?> detector = (ResourceLeakDetector<?>) field.get(null);
            detector.setLeakListener((resourceType, records) -> LEAKS.add("LEAK: " + resourceType + " " + records));
        } catch (ReflectiveOperationException | RuntimeException e) {
            // The Logback appender still catches every report; say why the listener is missing.
            LoggerFactory.getLogger(LeakGuard.class).warn("no Netty leak listener installed; relying on the log appender", e);
        }
    }

    /** Spring Boot resets Logback when it starts its first context, so the appender is re-attached each time. */
    private static void attachAppender() {
        if (!(LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root)) {
            return;
        }
        if (root.getAppender(GuardAppender.NAME) == null) {
            APPENDER.setContext(root.getLoggerContext());
            APPENDER.setName(GuardAppender.NAME);
            APPENDER.start();
            root.addAppender(APPENDER);
        }
        if (LoggerFactory.getLogger(LEAK_LOGGER) instanceof Logger leakLogger && !leakLogger.isErrorEnabled()) {
            leakLogger.setLevel(Level.ERROR); // Netty reports nothing when error logging is off for this logger
        }
    }

    /** On the root logger: Netty's leak reports, and anything logged with a BlockHound error as its cause. */
    private static final class GuardAppender extends AppenderBase<ILoggingEvent> {
        static final String NAME = "leak-guard";

        @Override
        protected void append(ILoggingEvent event) {
            String message = event.getFormattedMessage();
            if (LEAK_LOGGER.equals(event.getLoggerName()) && event.getLevel().isGreaterOrEqual(Level.ERROR)
                    && message.contains("LEAK")) {
                // The listener already recorded ByteBuf leaks with their records; keep only other resource types.
                if (!message.contains("ByteBuf.release()")) {
                    LEAKS.add(message);
                }
            }
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                if (t.getClassName().endsWith("BlockingOperationError")) {
                    StackTraceElementProxy[] frames = t.getStackTraceElementProxyArray();
                    StringBuilder where = new StringBuilder();
                    for (int i = 0; i < Math.min(12, frames.length); i++) {
                        where.append("\n      ").append(frames[i].getSTEAsString());
                    }
                    BLOCKING_CALLS.add("  [" + event.getThreadName() + "] " + event.getLoggerName() + ": " + message
                            + " -- " + t.getMessage() + where);
                    break;
                }
            }
        }
    }

    // ---- threads

    /** JUnit's own, started lazily by the first test with a timeout and kept for the whole run. */
    private static final String JUNIT_TIMEOUT_WATCHER = "junit-jupiter-timeout-watcher";

    private static Set<Thread> nonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon() && !t.getName().equals(JUNIT_TIMEOUT_WATCHER))
                .collect(Collectors.toSet());
    }

    private static Set<Thread> newThreads(Set<Thread> before) {
        Set<Thread> now = nonDaemonThreads();
        now.removeAll(before);
        return now;
    }

    private static String describe(Set<Thread> threads) {
        return threads.stream()
                .map(t -> t.getName() + Arrays.stream(t.getStackTrace()).limit(6)
                        .map(frame -> "\n    at " + frame).collect(Collectors.joining()))
                .collect(Collectors.joining("\n  ", "\n  ", ""));
    }
}
