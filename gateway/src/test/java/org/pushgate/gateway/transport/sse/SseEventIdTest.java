package org.pushgate.gateway.transport.sse;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SseEventIdTest {

    @Test
    void anIdCarriesEveryChannelsPositionInTheStreamsOrderAndAnEmptyEntryForOneNotYetKnown() {
        assertThat(SseEventId.encode(new long[] {41, 0, 7}, new String[] {"k3x9q", null, "2hf0a"}))
                .isEqualTo("41:k3x9q,,7:2hf0a");
    }

    @Test
    void aLastEventIdRecoversEachChannelFromItsPositionAndSubscribesTheUnknownOnesAfresh() {
        SseEventId.Resume resume = SseEventId.resume(List.of("news", "a:b", "c"), "41:k3x9q,,7:2hf0a");
        assertThat(resume.since()).containsExactly("news:41:k3x9q", "c:7:2hf0a");
        assertThat(resume.fresh()).containsExactly("a:b");
        assertThat(resume.offsets()).containsExactly(41, 0, 7);
        assertThat(resume.epochs()).containsExactly("k3x9q", null, "2hf0a");
    }

    @Test
    void noLastEventIdSubscribesEverythingAfresh() {
        SseEventId.Resume resume = SseEventId.resume(List.of("news"), null);
        assertThat(resume.fresh()).containsExactly("news");
        assertThat(resume.since()).isEmpty();
    }

    @Test
    void anIdThatDoesNotFitTheChannelsRecoversNothingAndSaysSoForEveryChannel() {
        for (String bad : new String[] {"garbage", "1:e", "1:e,2:f,3:g", "x:e,1:f", "1:,2:f", "1:e:f,2:g", "1:e\n,2:f",
                "9".repeat(5000)}) {
            SseEventId.Resume resume = SseEventId.resume(List.of("a", "b"), bad);
            assertThat(resume.since()).as(bad).containsExactly("a:0:" + SseEventId.UNKNOWN_EPOCH, "b:0:" + SseEventId.UNKNOWN_EPOCH);
            assertThat(resume.fresh()).as(bad).isEmpty();
        }
    }

    @Test
    void theAccessLogMasksEveryTokenParameter() {
        assertThat(SseTransport.masked("/sse?channel=a&token=eyJ.abc.def&x=1")).isEqualTo("/sse?channel=a&token=***&x=1");
        assertThat(SseTransport.masked("/sse?token=eyJ")).isEqualTo("/sse?token=***");
        assertThat(SseTransport.masked("/sse?mytoken=keep")).isEqualTo("/sse?mytoken=keep");
    }
}
