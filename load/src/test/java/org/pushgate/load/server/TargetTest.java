package org.pushgate.load.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.pushgate.load.cli.LoadOptions;
import org.pushgate.load.client.Frames;

class TargetTest {

    private static final String DATA = Frames.data(123456789L, 7, 1, "");

    @Test
    void pushgateSubscribesByQueryAndPublishesItsJsonEnvelope() {
        Target t = Target.PUSHGATE;
        assertThat(t.subscriberUri("/ws", "a b")).isEqualTo("/ws?channel=a+b");
        assertThat(t.publishUri("a b")).isEqualTo("/api/publish");
        assertThat(t.publishBody("c", DATA)).isEqualTo("{\"channel\":\"c\",\"data\":" + DATA + "}");
        assertThat(t.accepted(200)).isTrue();
        assertThat(t.accepted(201)).isFalse();
        assertThat(t.rawFrames()).isFalse();
        assertThat(t.isJvm()).isTrue();
    }

    @Test
    void nchanSubscribesAndPublishesByPathWithTheRawBody() {
        Target t = Target.NCHAN;
        assertThat(t.subscriberUri("/ws", "load-fanout-3")).isEqualTo("/sub/load-fanout-3");
        assertThat(t.subscriberUri("/ws", "a/b")).isEqualTo("/sub/a%2Fb");
        assertThat(t.publishUri("load-fanout-3")).isEqualTo("/pub/load-fanout-3");
        // The same data as pushgate's, with its timestamp, is the whole body and, delivered, the whole frame.
        assertThat(t.publishBody("c", DATA)).isEqualTo(DATA);
        assertThat(Frames.longField(t.publishBody("c", DATA), "t", -1)).isEqualTo(123456789L);
        // 201: queued with subscribers present; 202: queued, nobody subscribed. Anything else is a failure.
        assertThat(t.accepted(201)).isTrue();
        assertThat(t.accepted(202)).isTrue();
        assertThat(t.accepted(200)).isFalse();
        assertThat(t.accepted(403)).isFalse();
        assertThat(t.rawFrames()).isTrue();
        assertThat(t.isJvm()).isFalse();
    }

    @Test
    void theOptionChoosesTheTargetAndRefusesWhatItCannotRun() {
        assertThat(LoadOptions.parse("fanout").target).isEqualTo(Target.PUSHGATE);
        assertThat(LoadOptions.parse("fanout", "--target", "nchan").target).isEqualTo(Target.NCHAN);
        assertThat(LoadOptions.parse("channels", "--target", "nchan").target).isEqualTo(Target.NCHAN);
        assertThat(LoadOptions.parse("connect", "--target", "nchan").target).isEqualTo(Target.NCHAN);
        assertThatThrownBy(() -> LoadOptions.parse("fanout", "--target", "centrifugo"))
                .hasMessageContaining("--target must be one of pushgate, nchan");
        assertThatThrownBy(() -> LoadOptions.parse("churn", "--target", "nchan"))
                .hasMessageContaining("runs connect, fanout and channels only");
        assertThat(LoadOptions.parse("connect", "--target", "floor").target).isEqualTo(Target.FLOOR);
        assertThatThrownBy(() -> LoadOptions.parse("churn", "--target", "floor"))
                .hasMessageContaining("runs connect, fanout and channels only");
    }

    @Test
    void theFloorSpeaksNchansApiAndIsAJvmWithoutAnActuator() {
        Target t = Target.FLOOR;
        assertThat(t.subscriberUri("/ws", "a b")).isEqualTo(Target.NCHAN.subscriberUri("/ws", "a b"));
        assertThat(t.publishUri("c")).isEqualTo("/pub/c");
        assertThat(t.publishBody("c", "{\"t\":1}")).isEqualTo("{\"t\":1}");
        assertThat(t.accepted(201)).isTrue();
        assertThat(t.accepted(200)).isFalse();
        assertThat(t.rawFrames()).isTrue();
        assertThat(t.isJvm()).isTrue();
        assertThat(t.hasActuator()).isFalse();
        assertThat(Target.PUSHGATE.hasActuator()).isTrue();
        assertThat(Target.NCHAN.hasActuator()).isFalse();
    }

    @Test
    void cpuIsUserPlusSystemTicksCountedFromTheEndOfTheCommand() {
        // The command may hold spaces and parentheses; utime and stime are fields 14 and 15.
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 40 0 999 1 2 3";
        assertThat(ServerCpu.parseSeconds(stat)).isEqualTo(18.01);
        assertThat(ServerCpu.parseSeconds("garbage")).isNaN();
        assertThat(ServerCpu.parseSeconds("1 (x) S 1 2")).isNaN();
    }

    @Test
    void cpuOfThisProcessIsReadFromProcAndNaNWithoutAPid() {
        double own = ServerCpu.seconds(ProcessHandle.current().pid());
        assertThat(own).isPositive();
        assertThat(ServerCpu.seconds(0)).isNaN();
        assertThat(ServerCpu.seconds(Long.MAX_VALUE)).isNaN();
    }
}
