package org.pushgate.gateway.publish;

import static org.assertj.core.api.Assertions.assertThat;

import org.pushgate.gateway.broker.Published;
import org.pushgate.gateway.broker.StreamPosition;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import tools.jackson.databind.json.JsonMapper;

/** The answer built as bytes is the answer Jackson writes for the WebFlux route's map, byte for byte. */
class PublishAnswerTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Property(tries = 500)
    void theBytesAreJacksons(@ForAll @IntRange(min = 0) int reached, @ForAll @LongRange(min = 0) long offset,
                             @ForAll("epochs") String epoch) {
        Published published = new Published(new StreamPosition(offset, epoch), reached);
        assertThat(new String(PublishAnswer.of(published), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(new String(JSON.writeValueAsBytes(PublishAnswer.map(published)), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Provide
    Arbitrary<String> epochs() {
        // The brokers' own (base-36 letters and digits), and any string at all: quotes, backslashes, controls, unicode.
        return Arbitraries.oneOf(Arbitraries.strings().withChars("0123456789abcdefghijklmnopqrstuvwxyz").ofMinLength(1).ofMaxLength(16),
                Arbitraries.strings().all().ofMinLength(1).ofMaxLength(12));
    }
}
