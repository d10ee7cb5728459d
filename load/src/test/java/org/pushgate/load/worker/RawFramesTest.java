package org.pushgate.load.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.pushgate.load.client.Frames;

/** A Nchan subscriber's frames are the published data itself: each one is a delivery, timed by its "t". */
class RawFramesTest {

    private static String data(int phase) {
        return Frames.data(System.nanoTime() - 2_000_000, 1, phase, "");
    }

    @Test
    void givenRawFrames_everyTextFrameIsAMessageWithItsLatency() {
        WorkerStats stats = new WorkerStats();
        WsConnection c = new WsConnection(0, false, "/sub/c", List.of(), stats, true, false);
        c.onText(data(1));
        c.onText(data(1));
        assertThat(stats.receivedAll.sum()).isEqualTo(2);
        assertThat(stats.counters().get("received1")).isEqualTo(2);
        assertThat(stats.otherFrames.sum()).isZero();
    }

    @Test
    void givenPushgateFrames_theSameBytesWithoutAnOpAreNotAMessage() {
        WorkerStats stats = new WorkerStats();
        WsConnection c = new WsConnection(0, false, "/ws?channel=c", List.of(), stats);
        c.onText(data(1));
        c.onText("{\"op\":\"message\",\"channel\":\"c\",\"offset\":1,\"data\":" + data(1) + "}");
        assertThat(stats.receivedAll.sum()).isEqualTo(1);
        assertThat(stats.otherFrames.sum()).isEqualTo(1);
    }
}
