package org.pushgate.gateway.publish;

import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.web.RejectedRequest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The streaming read of a publish body answers exactly as the JSON tree did (the tree path is kept, and is the
 * model here): the same channel and the same compact data bytes, or the same refusal.
 */
class PublishBodyReaderTest {

    final PublishBodyReader reader = new PublishBodyReader(new ChannelNames(32));

    /** What the gateway answered before the streaming read: a tree, then the channel, then the data. */
    String viaTree(byte[] body) {
        try {
            var root = reader.tree(body);
            String channel = reader.channel(root.get("channel"), "channel");
            return channel + " " + new String(reader.data(root), UTF_8);
        }
        catch (RejectedRequest refused) {
            return "refused: " + refused.getMessage();
        }
    }

    String streamed(byte[] body) {
        try {
            PublishBodyReader.Publish publish = reader.publish(body);
            return publish.channel() + " " + new String(publish.data(), UTF_8);
        }
        catch (RejectedRequest refused) {
            return "refused: " + refused.getMessage();
        }
    }

    @Property(tries = 1000)
    void answersAsTheTreeDid(@ForAll("bodies") String body) {
        byte[] bytes = body.getBytes(UTF_8);
        assertThat(streamed(bytes)).as(body).isEqualTo(viaTree(bytes));
    }

    @Example
    void readsTheChannelAndCompactsTheData() {
        PublishBodyReader.Publish publish = reader.publish(
                "{ \"data\" : { \"a\" : [1, 2.5, \"\\u00e9\"] }, \"x\": {\"channel\": 1}, \"channel\" : \"news\" }".getBytes(UTF_8));
        assertThat(publish.channel()).isEqualTo("news");
        assertThat(new String(publish.data(), UTF_8)).isEqualTo("{\"a\":[1,2.5,\"é\"]}");
    }

    @Example
    void refusesWithTheDocumentedCodes() {
        assertThatThrownBy(() -> reader.publish("{\"channel\":\"a\",".getBytes(UTF_8))).hasMessage("request body is not valid JSON");
        assertThatThrownBy(() -> reader.publish("[1]".getBytes(UTF_8))).hasMessage("request body must be a JSON object");
        assertThatThrownBy(() -> reader.publish("{\"channel\":7,\"data\":1}".getBytes(UTF_8))).hasMessage("\"channel\" must be a string");
        assertThatThrownBy(() -> reader.publish("{\"channel\":\"a\"}".getBytes(UTF_8))).hasMessage("\"data\" is required (any JSON value)");
        assertThatThrownBy(() -> reader.publish(("{\"channel\":\"a\",\"data\":" + "[".repeat(70) + "]".repeat(70) + "}").getBytes(UTF_8)))
                .hasMessage("request body is not valid JSON");
    }

    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> channel = Arbitraries.oneOf(
                Arbitraries.of("\"news\"", "\"a:b\"", "\"\"", "\"has space\"", "\"x".repeat(1) + "y".repeat(40) + "\"",
                        "1", "null", "true", "[\"news\"]", "{\"c\":\"news\"}", "\"\\u006ee\\/ws\""));
        Arbitrary<String> value = value(3);
        Arbitrary<String> field = Arbitraries.oneOf(
                channel.map(c -> "\"channel\":" + c),
                value.map(v -> "\"data\":" + v),
                value.map(v -> "\"other\":" + v),
                Arbitraries.of("\"Channel\":\"news\"", "\"dat\\u0061\":1", "\"channel\"", "\"data\":", ""));
        Arbitrary<String> object = field.list().ofMaxSize(5).map(fields -> "{" + String.join(",", fields) + "}");
        Arbitrary<String> suffix = Arbitraries.of("", "", "", " ", "\n", " x", "}", "{}", ",");
        Arbitrary<String> structured = Combinators.combine(object, suffix).as((o, s) -> o + s);
        Arbitrary<String> truncated = structured.flatMap(s -> Arbitraries.integers().between(0, s.length())
                .map(n -> s.substring(0, n)));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, structured),
                net.jqwik.api.Tuple.of(2, truncated),
                net.jqwik.api.Tuple.of(1, value),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().withChars("{}[]\":,0123456789.-eE truefalsnl\\uchanneldata")
                        .ofMaxLength(60)));
    }

    Arbitrary<String> value(int depth) {
        Arbitrary<String> scalar = Arbitraries.of("1", "-0", "0.1", "1e2", "1E-7", "2.50", "12345678901234567890123",
                "1.0000000000000000000000001", "true", "false", "null", "\"s\"", "\"\\u00e9\\n\\\"\"", "\"\\/\"",
                "\"\ud83d\ude00\"", "-1.5e300", "1e400");
        if (depth == 0) {
            return scalar;
        }
        Arbitrary<String> inner = value(depth - 1);
        Arbitrary<String> array = inner.list().ofMaxSize(3).map(items -> "[" + String.join(", ", items) + "]");
        Arbitrary<String> object = inner.list().ofMaxSize(3).map(items -> {
            List<String> fields = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                fields.add("\"k" + (i % 2) + "\" : " + items.get(i));
            }
            return "{" + String.join(",", fields) + "}";
        });
        return Arbitraries.oneOf(scalar, array, object);
    }
}
