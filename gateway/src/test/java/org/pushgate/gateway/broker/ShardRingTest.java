package org.pushgate.gateway.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class ShardRingTest {

    private static final int CHANNELS = 20_000;

    @Test
    void channelsSpreadEvenlyEnoughOverTheShards() {
        ShardRing ring = new ShardRing(List.of("redis://a:6379/0", "redis://b:6379/0", "redis://c:6379/0"));
        int[] counts = new int[3];
        for (int i = 0; i < CHANNELS; i++) {
            counts[ring.shardOf("chat:room-" + i)]++;
        }
        for (int count : counts) {
            assertThat(count).isBetween(CHANNELS / 3 * 7 / 10, CHANNELS / 3 * 13 / 10);
        }
    }

    @Test
    void theOrderInWhichInstancesAreListedDoesNotMatter() {
        List<String> names = List.of("redis://a:6379/0", "redis://b:6379/0", "redis://c:6379/0");
        ShardRing ring = new ShardRing(names);
        ShardRing reversed = new ShardRing(List.of(names.get(2), names.get(1), names.get(0)));
        for (int i = 0; i < 2_000; i++) {
            String channel = "c" + i;
            assertThat(names.get(ring.shardOf(channel))).isEqualTo(names.get(2 - reversed.shardOf(channel)));
        }
    }

    @Test
    void addingAnInstanceMovesOnlyAboutItsShareOfTheChannels() {
        ShardRing two = new ShardRing(List.of("redis://a:6379/0", "redis://b:6379/0"));
        ShardRing three = new ShardRing(List.of("redis://a:6379/0", "redis://b:6379/0", "redis://c:6379/0"));
        int moved = 0;
        for (int i = 0; i < CHANNELS; i++) {
            int after = three.shardOf("c" + i);
            if (after != 2) {
                assertThat(after).as("a channel that moves, moves to the new instance").isEqualTo(two.shardOf("c" + i));
            } else {
                moved++;
            }
        }
        assertThat(moved).isBetween(CHANNELS / 3 * 7 / 10, CHANNELS / 3 * 13 / 10);
    }

    @Test
    void theHashIsStableAcrossReleases() {
        // Every node must map a channel to the same instance, whatever its version: the hash is part of the format.
        assertThat(ShardRing.hash("chat:1")).isEqualTo(0x508f02cf0cfae0d7L);
        assertThat(new ShardRing(List.of("redis://only:6379/0")).shardOf("anything")).isZero();
    }

    @Test
    void anInstanceListedTwiceIsRefused() {
        assertThatThrownBy(() -> new ShardRing(List.of("redis://a:6379/0", "redis://a:6379/0")))
                .hasMessageContaining("twice");
    }
}
