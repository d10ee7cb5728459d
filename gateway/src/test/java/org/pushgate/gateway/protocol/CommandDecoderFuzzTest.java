package org.pushgate.gateway.protocol;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import static org.assertj.core.api.Assertions.assertThat;

/** Property-based fuzzing of the frame decoder: no input makes it throw, every refusal is documented. */
class CommandDecoderFuzzTest {

    static final Set<String> DOCUMENTED = Arrays.stream(ErrorCode.values()).map(ErrorCode::wire).collect(Collectors.toSet());

    final CommandDecoder decoder = new CommandDecoder(new ChannelNames(128), 65536, 8192);

    @Property(tries = 2000)
    void arbitraryTextNeverThrowsAndIsAnsweredWithADocumentedCode(@ForAll("frames") String frame) {
        ClientCommand command = decoder.decode(frame);
        assertThat(command).isNotNull();
        if (command instanceof ClientCommand.Invalid invalid) {
            assertThat(DOCUMENTED).contains(invalid.code().wire());
            assertThat(invalid.message()).isNotBlank();
        } else if (command instanceof ClientCommand.Subscribe s) {
            assertThat(new ChannelNames(128).valid(s.channel())).isTrue();
        } else if (command instanceof ClientCommand.Unsubscribe u) {
            assertThat(new ChannelNames(128).valid(u.channel())).isTrue();
        }
    }

    @Provide
    Arbitrary<String> frames() {
        Arbitrary<String> junk = Arbitraries.strings().all().ofMaxLength(300);
        Arbitrary<String> jsonish = Arbitraries.strings().withChars("{}[]\":,0123456789.-eE truefalsnl\\u").ofMaxLength(200);
        Arbitrary<String> op = Arbitraries.of("subscribe", "unsubscribe", "connect", "refresh", "publish", "", "SUBSCRIBE");
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(200).map(CommandDecoderFuzzTest::quote),
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.of("null", "true", "[]", "{}", "[1,{\"a\":[]}]", "1e999", "-0", "\"a:b\"", "\"user:1\""));
        Arbitrary<String> structured = Combinators.combine(op, value, value, value)
                .as((o, channel, id, token) -> "{\"op\":" + quote(o) + ",\"channel\":" + channel + ",\"id\":" + id
                        + ",\"token\":" + token + "}");
        Arbitrary<String> deep = Arbitraries.integers().between(1, 3000).map(n -> "[".repeat(n) + "]".repeat(n));
        return Arbitraries.oneOf(junk, jsonish, structured, deep);
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
