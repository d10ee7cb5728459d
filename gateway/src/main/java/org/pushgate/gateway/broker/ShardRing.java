package org.pushgate.gateway.broker;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Which shard (independent Redis instance) serves a channel: a consistent hash ring with {@link #VIRTUAL_NODES}
 * points per shard. A shard's points come from its name (its URI without credentials), not from its place in
 * the list, so the order the instances are listed in does not matter, and adding one instance moves only the
 * channels that land on its points (about 1/n of them). Every node must list the same instances to agree.
 *
 * <p>The hash is FNV-1a over the UTF-8 bytes with Murmur3's 64-bit finalizer: stable across JVMs and releases
 * (unlike {@code String.hashCode} mixing tricks), cheap enough for every publish.
 */
final class ShardRing {

    static final int VIRTUAL_NODES = 160;

    private final long[] points;
    private final int[] owners;

    ShardRing(List<String> shardNames) {
        if (shardNames.isEmpty()) {
            throw new IllegalArgumentException("a shard ring needs at least one shard");
        }
        if (shardNames.stream().distinct().count() != shardNames.size()) {
            throw new IllegalArgumentException("gateway.broker.redis.uris lists an instance twice: " + shardNames);
        }
        int n = shardNames.size() * VIRTUAL_NODES;
        long[][] pairs = new long[n][];
        int at = 0;
        for (int shard = 0; shard < shardNames.size(); shard++) {
            for (int v = 0; v < VIRTUAL_NODES; v++) {
                pairs[at++] = new long[] {hash(shardNames.get(shard) + "#" + v), shard};
            }
        }
        Arrays.sort(pairs, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        points = new long[n];
        owners = new int[n];
        for (int i = 0; i < n; i++) {
            points[i] = pairs[i][0];
            owners[i] = (int) pairs[i][1];
        }
    }

    /** The index (in the list given) of the shard that serves this channel. */
    int shardOf(String channel) {
        if (owners.length == VIRTUAL_NODES) {
            return 0;
        }
        int i = Arrays.binarySearch(points, hash(channel));
        if (i < 0) {
            i = -i - 1; // the first point after the hash, clockwise
        }
        return owners[i == points.length ? 0 : i];
    }

    static long hash(String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
