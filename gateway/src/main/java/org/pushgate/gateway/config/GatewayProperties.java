package org.pushgate.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.pushgate.gateway.auth.Access;
import org.pushgate.gateway.auth.AuthMode;

import org.pushgate.gateway.hub.OverflowPolicy;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Every {@code gateway.*} setting, typed and validated at startup. A bad value fails the start with a
 * message that names the key, and so does a key that is none of these components ({@link UnknownKeysCheck}
 * derives the known keys from them); defaults are the safe production values documented in the README.
 */
@ConfigurationProperties(GatewayProperties.PREFIX)
public record GatewayProperties(
        @DefaultValue Heartbeat heartbeat,
        @DefaultValue Liveness liveness,
        @DefaultValue Outbound outbound,
        @DefaultValue Limits limits,
        @DefaultValue Api api,
        @DefaultValue Shutdown shutdown,
        @DefaultValue Audit audit,
        @DefaultValue Auth auth,
        @DefaultValue History history,
        @DefaultValue Broker broker,
        @DefaultValue Warmup warmup,
        @DefaultValue("") List<String> allowedOrigins) {

    public static final String PREFIX = "gateway";

    public GatewayProperties {
        allowedOrigins = allowedOrigins == null ? List.of()
                : allowedOrigins.stream().map(String::trim).filter(o -> !o.isEmpty()).toList();
    }

    public record Heartbeat(@DefaultValue("25s") Duration interval) {
        public Heartbeat {
            requirePositive("gateway.heartbeat.interval", interval);
        }
    }

    public record Liveness(@DefaultValue("25s") Duration interval, @DefaultValue("10s") Duration timeout) {
        public Liveness {
            requirePositive("gateway.liveness.interval", interval);
            requirePositive("gateway.liveness.timeout", timeout);
        }
    }

    /**
     * @param bufferSize frames one subscriber buffer holds
     * @param maxQueuedBytes payload bytes one subscriber buffer holds; whichever bound is reached first applies
     *                       the overflow policy
     * @param maxTotalQueuedBytes the fence over all buffers together; 0 derives it from the heap
     *                            ({@link #DEFAULT_TOTAL_HEAP_FRACTION} of {@code -Xmx})
     */
    public record Outbound(@DefaultValue("1024") int bufferSize,
                           @DefaultValue("disconnect") OverflowPolicy overflow,
                           @DefaultValue("1MB") DataSize maxQueuedBytes,
                           @DefaultValue("0") DataSize maxTotalQueuedBytes) {

        /** Without a configured fence, all buffers together may hold this fraction of the maximum heap. */
        public static final double DEFAULT_TOTAL_HEAP_FRACTION = 0.25;

        public Outbound {
            requireRange("gateway.outbound.buffer-size", bufferSize, 1, 1 << 20);
            if (maxQueuedBytes == null || maxQueuedBytes.toBytes() < 1 || maxQueuedBytes.toBytes() > (1L << 31)) {
                throw new IllegalArgumentException("gateway.outbound.max-queued-bytes must be between 1B and 2GB, was "
                        + maxQueuedBytes);
            }
            if (maxTotalQueuedBytes == null || maxTotalQueuedBytes.isNegative()) {
                throw new IllegalArgumentException("gateway.outbound.max-total-queued-bytes must be 0 (derive) or a "
                        + "positive size (e.g. 256MB), was " + maxTotalQueuedBytes);
            }
        }

        /** The fence in force: the configured one, or the documented fraction of the maximum heap. */
        public long totalQueuedBytesLimit() {
            long configured = maxTotalQueuedBytes.toBytes();
            return configured > 0 ? configured : Math.max(1, (long) (Runtime.getRuntime().maxMemory() * DEFAULT_TOTAL_HEAP_FRACTION));
        }
    }

    /**
     * @param maxConnections 0 derives the limit from the process's open-file limit
     * @param maxConnectionsPerAddress 0 means no per-address limit
     * @param maxSockets accepted sockets the server holds at once, whatever they do (0 derives it from the open-file
     *                   limit minus half the reserved descriptors); past it a new socket is answered 503 and closed
     * @param handshakeTimeout from accept to a complete request head, and from an upgrade request to its answer;
     *                         also bounds a request body
     * @param httpIdleTimeout a keep-alive HTTP connection waiting for its next request is closed after this
     * @param maxHandshakesPerAddress accepted sockets per client address that have not finished their first request
     *                                head or upgrade (0 = no cap)
     * @param handshakeLogInterval at most one summary line of failed handshakes per interval
     */
    public record Limits(@DefaultValue("65536") int maxFrameBytes,
                         @DefaultValue("100") int maxSubscriptionsPerConnection,
                         @DefaultValue("128") int maxChannelNameLength,
                         @DefaultValue("0") int maxConnections,
                         @DefaultValue("0") int maxConnectionsPerAddress,
                         @DefaultValue("65536") int maxPublishBytes,
                         @DefaultValue("1000") int maxBroadcastChannels,
                         @DefaultValue("500") int reservedFileDescriptors,
                         @DefaultValue("20") int commandsPerSecond,
                         @DefaultValue("50") int commandBurst,
                         @DefaultValue("20") int rateLimitViolations,
                         @DefaultValue("0") int connectionsPerSecondPerAddress,
                         @DefaultValue("8192") int maxTokenBytes,
                         @DefaultValue("0") int maxSockets,
                         @DefaultValue("10s") Duration handshakeTimeout,
                         @DefaultValue("60s") Duration httpIdleTimeout,
                         @DefaultValue("1000") int maxHandshakesPerAddress,
                         @DefaultValue("60s") Duration handshakeLogInterval) {
        public Limits {
            requireRange("gateway.limits.max-frame-bytes", maxFrameBytes, 64, 16 << 20);
            requireRange("gateway.limits.max-subscriptions-per-connection", maxSubscriptionsPerConnection, 1, 100_000);
            requireRange("gateway.limits.max-channel-name-length", maxChannelNameLength, 1, 1024);
            requireRange("gateway.limits.max-connections", maxConnections, 0, Integer.MAX_VALUE);
            requireRange("gateway.limits.max-connections-per-address", maxConnectionsPerAddress, 0, Integer.MAX_VALUE);
            requireRange("gateway.limits.max-publish-bytes", maxPublishBytes, 64, 64 << 20);
            requireRange("gateway.limits.max-broadcast-channels", maxBroadcastChannels, 1, 1_000_000);
            requireRange("gateway.limits.reserved-file-descriptors", reservedFileDescriptors, 0, 1_000_000);
            requireRange("gateway.limits.commands-per-second", commandsPerSecond, 1, 1_000_000);
            requireRange("gateway.limits.command-burst", commandBurst, 1, 1_000_000);
            requireRange("gateway.limits.rate-limit-violations", rateLimitViolations, 1, 1_000_000);
            requireRange("gateway.limits.connections-per-second-per-address", connectionsPerSecondPerAddress, 0, 1_000_000);
            requireRange("gateway.limits.max-token-bytes", maxTokenBytes, 128, 1 << 20);
            requireRange("gateway.limits.max-sockets", maxSockets, 0, Integer.MAX_VALUE);
            requirePositive("gateway.limits.handshake-timeout", handshakeTimeout);
            requirePositive("gateway.limits.http-idle-timeout", httpIdleTimeout);
            requireRange("gateway.limits.max-handshakes-per-address", maxHandshakesPerAddress, 0, Integer.MAX_VALUE);
            requirePositive("gateway.limits.handshake-log-interval", handshakeLogInterval);
        }
    }

    /**
     * @param key when empty (and no {@code jwt} is configured), the publish and admin APIs accept loopback
     *            clients only
     * @param jwt server tokens (separate from client tokens) with a {@code publish} or {@code admin} scope
     */
    public record Api(@DefaultValue("") String key, @DefaultValue Jwt jwt) {
        public boolean keyConfigured() {
            return key != null && !key.isBlank();
        }

        @Override
        public String toString() {
            return "Api[key=" + (keyConfigured() ? "<redacted>" : "<none>") + "]";
        }
    }

    public record Shutdown(@DefaultValue("10s") Duration grace) {
        public Shutdown {
            requireNonNegative("gateway.shutdown.grace", grace);
        }
    }

    /**
     * Client authentication.
     *
     * @param mode {@code none} (anyone may connect; for local use) or {@code jwt}
     * @param connectTimeout in jwt mode, a connection must authenticate within this time
     * @param namespaces access rule per channel namespace (the part of a name before its first ':')
     * @param defaultAccess the rule for channels whose namespace has none
     */
    public record Auth(@DefaultValue("none") AuthMode mode,
                       @DefaultValue("10s") Duration connectTimeout,
                       @DefaultValue Jwt jwt,
                       Map<String, Access> namespaces,
                       @DefaultValue("authenticated") Access defaultAccess) {
        public Auth {
            requirePositive("gateway.auth.connect-timeout", connectTimeout);
            namespaces = namespaces == null ? Map.of() : Map.copyOf(namespaces);
            if (mode == AuthMode.JWT && !jwt.configured()) {
                throw new IllegalArgumentException("gateway.auth.mode=jwt needs one of gateway.auth.jwt.secret, "
                        + "gateway.auth.jwt.public-key or gateway.auth.jwt.jwks-uri");
            }
            if (namespaces.containsKey("user")) {
                throw new IllegalArgumentException("gateway.auth.namespaces.user: the 'user' namespace is reserved for "
                        + "personal channels (user:<sub>) and cannot be configured");
            }
        }
    }

    /**
     * How to verify a JWT: exactly one key source.
     *
     * @param secret HS256 shared secret (at least 32 bytes)
     * @param publicKey PEM public key (RSA for RS256, EC P-256 for ES256), inline or as {@code file:/path}
     * @param jwksUri a JWKS endpoint; keys are cached and refreshed
     * @param algorithm HS256, RS256 or ES256 (defaults: HS256 with a secret, RS256 otherwise)
     * @param clockSkew tolerance applied to {@code exp} and {@code nbf}
     * @param issuer when set, the {@code iss} claim must equal it
     * @param audience when set, the {@code aud} claim must contain it
     */
    public record Jwt(@DefaultValue("") String secret,
                      @DefaultValue("") String publicKey,
                      @DefaultValue("") String jwksUri,
                      @DefaultValue("") String algorithm,
                      @DefaultValue("30s") Duration clockSkew,
                      @DefaultValue("") String issuer,
                      @DefaultValue("") String audience) {
        public Jwt {
            int sources = (secret.isBlank() ? 0 : 1) + (publicKey.isBlank() ? 0 : 1) + (jwksUri.isBlank() ? 0 : 1);
            if (sources > 1) {
                throw new IllegalArgumentException("a jwt setting takes exactly one of secret, public-key, jwks-uri");
            }
            if (!secret.isBlank() && secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
                throw new IllegalArgumentException("a jwt secret must be at least 32 bytes (HS256 needs a 256-bit key)");
            }
            if (!algorithm.isBlank() && !List.of("HS256", "RS256", "ES256").contains(algorithm)) {
                throw new IllegalArgumentException("jwt algorithm must be HS256, RS256 or ES256, was " + algorithm);
            }
            requireNonNegative("jwt clock-skew", clockSkew);
        }

        public boolean configured() {
            return !secret.isBlank() || !publicKey.isBlank() || !jwksUri.isBlank();
        }

        @Override
        public String toString() {
            return "Jwt[source=" + (!secret.isBlank() ? "secret(redacted)" : !publicKey.isBlank() ? "public-key"
                    : !jwksUri.isBlank() ? jwksUri : "none") + ", algorithm=" + algorithm + "]";
        }
    }

    /**
     * Message history per channel stream.
     *
     * @param size messages kept per channel (0: none; positions are still kept)
     * @param ttl how long a stream is kept after its last publish
     * @param maxRecovered the most messages one recovery sends; a client further behind gets recovered:false
     * @param namespaces per namespace (the part of a channel name before its first ':'), size and ttl
     */
    public record History(@DefaultValue("100") int size,
                          @DefaultValue("5m") Duration ttl,
                          @DefaultValue("300") int maxRecovered,
                          @DefaultValue Memory memory,
                          Map<String, Namespace> namespaces) {
        public History {
            requireRange("gateway.history.size", size, 0, 1_000_000);
            requirePositive("gateway.history.ttl", ttl);
            requireRange("gateway.history.max-recovered", maxRecovered, 0, 100_000);
            namespaces = namespaces == null ? Map.of() : Map.copyOf(namespaces);
            namespaces.forEach((ns, rule) -> {
                if (rule.size() != null) {
                    requireRange("gateway.history.namespaces." + ns + ".size", rule.size(), 0, 1_000_000);
                }
                if (rule.ttl() != null) {
                    requirePositive("gateway.history.namespaces." + ns + ".ttl", rule.ttl());
                }
            });
        }

        /** @param size null: the default size; @param ttl null: the default ttl */
        public record Namespace(Integer size, Duration ttl) { }

        /** @param maxBytes the memory engine's bound over all streams' stored messages; past it the least recently published streams go */
        public record Memory(@DefaultValue("64MB") DataSize maxBytes) {
            public Memory {
                if (maxBytes == null || maxBytes.toBytes() < 1) {
                    throw new IllegalArgumentException("gateway.history.memory.max-bytes must be a positive size (e.g. 64MB), was " + maxBytes);
                }
            }
        }
    }

    /**
     * @param type {@code memory} (the embedded single-node engine) or {@code redis}
     * @param redis the Redis engine's settings, used when type is redis
     */
    public record Broker(@DefaultValue("memory") BrokerType type, @DefaultValue Redis redis) {

        public enum BrokerType { MEMORY, REDIS }

        /**
         * @param uris one or more {@code redis://} (or {@code redis-sentinel://}) URIs; channels are spread over them
         *             by a consistent hash of the channel name
         * @param timeout how long one broker command may take before it counts as unavailable
         * @param prefix the first part of every Redis key and pub/sub channel the gateway uses, so that several
         *               deployments can share one Redis
         * @param reconnectMaxDelay the longest wait between two reconnect attempts (the waits grow from 50 ms)
         * @param requestQueueSize commands one Redis connection holds in flight at most; past it a command fails
         *                         at once as unavailable instead of queueing while Redis is slow or paused
         */
        public record Redis(@DefaultValue("redis://127.0.0.1:6379") List<String> uris,
                            @DefaultValue("2s") Duration timeout,
                            @DefaultValue("pushgate") String prefix,
                            @DefaultValue("2s") Duration reconnectMaxDelay,
                            @DefaultValue("10000") int requestQueueSize) {
            public Redis {
                uris = uris == null ? List.of() : uris.stream().map(String::trim).filter(u -> !u.isEmpty()).toList();
                requirePositive("gateway.broker.redis.timeout", timeout);
                requirePositive("gateway.broker.redis.reconnect-max-delay", reconnectMaxDelay);
                requireRange("gateway.broker.redis.request-queue-size", requestQueueSize, 1, 10_000_000);
                if (prefix == null || prefix.isBlank()) {
                    throw new IllegalArgumentException("gateway.broker.redis.prefix must not be empty");
                }
            }

            @Override
            public String toString() {
                return "Redis[uris=" + uris.size() + ", timeout=" + timeout + ", prefix=" + prefix + "]"; // URIs may carry passwords
            }
        }
    }

    /**
     * Traffic the node sends itself before readiness says UP, so that the first real clients meet compiled code
     * (package {@code warmup}).
     *
     * @param enabled off: ready as soon as the server listens, and the first minutes run in the interpreter and
     *                the JIT compilers
     * @param rounds how many times the traffic is repeated (the JIT compiles a method after thousands of calls)
     * @param connections WebSocket connections per round (a quarter of them speak Centrifugo's protocol)
     * @param messages publishes per round to the channel every connection of the round subscribes to (the
     *                 fan-out), besides one publish to each connection's own channel
     * @param timeout the warm-up's bound: past it the node is ready whatever the warm-up did
     * @param settle after each round, how long at most to wait for the JIT compilers to catch up (their compile time
     *               under 5% of the wall clock); zero (the default): the rounds follow each other at once
     */
    public record Warmup(@DefaultValue("true") boolean enabled,
                         @DefaultValue("6") int rounds,
                         @DefaultValue("2000") int connections,
                         @DefaultValue("20") int messages,
                         @DefaultValue("60s") Duration timeout,
                         @DefaultValue("0s") Duration settle) {
        public Warmup {
            requireRange("gateway.warmup.rounds", rounds, 1, 1000);
            requireRange("gateway.warmup.connections", connections, 1, 5000);
            requireRange("gateway.warmup.messages", messages, 0, 1000);
            requirePositive("gateway.warmup.timeout", timeout);
            requireNonNegative("gateway.warmup.settle", settle);
        }
    }

    /** @param interval how often the auditor reconciles the hub and registry with the open sockets */
    public record Audit(@DefaultValue("60s") Duration interval) {
        public Audit {
            requirePositive("gateway.audit.interval", interval);
        }
    }

    private static void requirePositive(String key, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be a positive duration (e.g. 25s), was " + d);
        }
    }

    private static void requireNonNegative(String key, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be zero or a positive duration (e.g. 10s), was " + d);
        }
    }

    private static void requireRange(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(key + " must be between " + min + " and " + max + ", was " + value);
        }
    }
}
