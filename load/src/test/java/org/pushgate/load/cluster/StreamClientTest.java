package org.pushgate.load.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The recovery benchmark's bookkeeping: what one client counts as a complete recovery, a gap or a duplicate. */
class StreamClientTest {

    private static StreamClient subscribedAt(StreamClient.Tally t, long offset) {
        StreamClient c = new StreamClient(0, "c", t);
        c.onText("{\"op\":\"subscribed\",\"channel\":\"c\",\"id\":1,\"epoch\":\"e1\",\"offset\":" + offset + "}");
        return c;
    }

    private static void message(StreamClient c, long offset) {
        c.onText("{\"op\":\"message\",\"channel\":\"c\",\"offset\":" + offset + ",\"data\":{}}");
    }

    /** Puts the client in the state of a recovery from its held position (as open(client, true) does). */
    private static void recovering(StreamClient c) throws Exception {
        var f = StreamClient.class.getDeclaredField("recovering");
        f.setAccessible(true);
        f.setBoolean(c, true);
        var top = StreamClient.class.getDeclaredField("recoverTop");
        top.setAccessible(true);
        top.setLong(c, -1);
        var done = StreamClient.class.getDeclaredField("done");
        done.setAccessible(true);
        done.setBoolean(c, false);
    }

    /** A client that held offset 10 of epoch e1 and subscribed again with since: the reply names {@code top}. */
    private static StreamClient recoveredFrom10(StreamClient.Tally t, String epoch, long top, boolean recovered)
            throws Exception {
        StreamClient c = subscribedAt(t, 10);
        recovering(c);
        c.onText("{\"op\":\"subscribed\",\"channel\":\"c\",\"id\":1,\"epoch\":\"" + epoch + "\",\"offset\":" + top
                + ",\"recovered\":" + recovered + "}");
        return c;
    }

    @Test
    void aFirstSubscribeHoldsTheRepliedPosition() {
        StreamClient.Tally t = new StreamClient.Tally();
        StreamClient c = subscribedAt(t, 41);
        assertThat(c.offset).isEqualTo(41);
        assertThat(c.epoch).isEqualTo("e1");
        assertThat(c.done).isTrue();
        message(c, 42);
        assertThat(c.offset).isEqualTo(42);
    }

    @Test
    void aRecoveryIsDoneAtTheRepliedTopAndCountsTheMissedMessages() throws Exception {
        StreamClient.Tally t = new StreamClient.Tally();
        StreamClient c = recoveredFrom10(t, "e1", 13, true);
        assertThat(c.done).isFalse();
        message(c, 11);
        message(c, 12);
        assertThat(c.done).isFalse();
        message(c, 13);
        assertThat(c.done).isTrue();
        assertThat(c.recovered).isTrue();
        assertThat(c.recoveredMessages).isEqualTo(3);
        assertThat(t.recoveredTrue.get()).isEqualTo(1);
        assertThat(t.gaps.get()).isZero();
        assertThat(t.duplicates.get()).isZero();
    }

    @Test
    void aGapAndADuplicateAreCounted() throws Exception {
        StreamClient.Tally t = new StreamClient.Tally();
        StreamClient c = recoveredFrom10(t, "e1", 14, true);
        message(c, 11);
        message(c, 11);
        message(c, 13);
        message(c, 14);
        assertThat(t.duplicates.get()).isEqualTo(1);
        assertThat(t.gaps.get()).isEqualTo(1);
        assertThat(c.recoveredMessages).isEqualTo(3);
    }

    @Test
    void notRecoveredIsDoneAtOnceAndTakesTheNewPosition() throws Exception {
        StreamClient.Tally t = new StreamClient.Tally();
        StreamClient c = recoveredFrom10(t, "e2", 500, false);
        assertThat(c.done).isTrue();
        assertThat(c.recovered).isFalse();
        assertThat(c.offset).isEqualTo(500);
        assertThat(c.epoch).isEqualTo("e2");
        assertThat(t.recoveredFalse.get()).isEqualTo(1);
    }

    @Test
    void theSubscribeFrameCarriesTheHeldPosition() {
        assertThat(StreamClient.subscribeSince("news", 38, "k3x9q"))
                .isEqualTo("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":1,\"since\":{\"offset\":38,\"epoch\":\"k3x9q\"}}");
    }

    @Test
    void sourceAddressesAreLoopbackOnly() {
        assertThat(RecoveryBench.sources("127.0.0.1-127.0.0.3")).containsExactly("127.0.0.1", "127.0.0.2", "127.0.0.3");
        assertThatThrownBy(() -> RecoveryBench.sources("10.0.0.1")).hasMessageContaining("127.0.0.x");
    }
}
