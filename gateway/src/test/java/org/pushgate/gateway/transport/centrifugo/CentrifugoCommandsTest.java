package org.pushgate.gateway.transport.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.protocol.ClientCommand;
import org.pushgate.gateway.protocol.ErrorCode;

/** Centrifugo's JSON commands as centrifuge-js sends them, and what becomes of bad ones. */
class CentrifugoCommandsTest {

    final CentrifugoCommands commands = new CentrifugoCommands(new ChannelNames(32), 4096, 100, 3);

    @Test
    void severalNewlineSeparatedCommandsOfOneFrameAreDecodedInOrder() {
        List<ClientCommand> decoded = commands.decode("{\"id\":1,\"connect\":{\"token\":\"t\",\"name\":\"js\"}}\n"
                + "{\"id\":2,\"subscribe\":{\"channel\":\"news\"}}\n"
                + "{\"id\":3,\"subscribe\":{\"channel\":\"chat\",\"recover\":true,\"offset\":41,\"epoch\":\"e1\"}}");
        assertThat(decoded).containsExactly(
                new ClientCommand.Connect("t", decoded.get(0).id()),
                new ClientCommand.Subscribe("news", decoded.get(1).id()),
                new ClientCommand.Subscribe("chat", decoded.get(2).id(), new ClientCommand.Since(41, "e1")));
        assertThat(decoded.get(2).id().longValue()).isEqualTo(3);
    }

    @Test
    void recoverWithoutAPositionRecoversFromTheStart() {
        ClientCommand subscribe = commands.decode("{\"id\":1,\"subscribe\":{\"channel\":\"a\",\"recover\":true}}").get(0);
        assertThat(((ClientCommand.Subscribe) subscribe).since()).isEqualTo(new ClientCommand.Since(0, ""));
    }

    @Test
    void theEmptyObjectIsAPongAndSendIsIgnored() {
        assertThat(commands.decode("{}")).isEmpty();
        assertThat(commands.decode("{\"send\":{\"data\":{}}}")).isEmpty();
    }

    @Test
    void historyUnsubscribeAndRefreshCarryTheirFields() {
        List<ClientCommand> decoded = commands.decode("{\"id\":4,\"history\":{\"channel\":\"a\",\"limit\":5,"
                + "\"since\":{\"offset\":2,\"epoch\":\"e\"},\"reverse\":true}}\n{\"id\":5,\"unsubscribe\":{\"channel\":\"a\"}}\n"
                + "{\"id\":6,\"refresh\":{\"token\":\"t2\"}}");
        assertThat(decoded.get(0)).isEqualTo(new ClientCommand.History("a", decoded.get(0).id(), 5,
                new ClientCommand.Since(2, "e"), true));
        assertThat(decoded.get(1)).isEqualTo(new ClientCommand.Unsubscribe("a", decoded.get(1).id()));
        assertThat(decoded.get(2)).isEqualTo(new ClientCommand.Refresh("t2", decoded.get(2).id()));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{\"id\":1,\"publish\":{\"channel\":\"a\",\"data\":{}}}|FORBIDDEN",
            "{\"id\":1,\"presence\":{\"channel\":\"a\"}}|NOT_AVAILABLE",
            "{\"id\":1,\"presence_stats\":{\"channel\":\"a\"}}|NOT_AVAILABLE",
            "{\"id\":1,\"rpc\":{\"method\":\"m\"}}|NOT_AVAILABLE",
            "{\"id\":1,\"sub_refresh\":{\"channel\":\"a\",\"token\":\"t\"}}|NOT_AVAILABLE",
            "{\"id\":1,\"teleport\":{}}|UNKNOWN_OP",
            "{\"id\":1,\"subscribe\":{\"channel\":\"has space\"}}|INVALID_CHANNEL",
            "{\"id\":1,\"subscribe\":{}}|INVALID_CHANNEL",
            "{\"id\":1,\"subscribe\":{\"channel\":\"a\",\"recover\":true,\"offset\":-1}}|BAD_FRAME",
            "{\"id\":1,\"subscribe\":{\"channel\":\"a\",\"recover\":true,\"epoch\":7}}|BAD_FRAME",
            "{\"id\":1,\"refresh\":{}}|BAD_FRAME",
            "{\"id\":1,\"connect\":{\"token\":5}}|BAD_FRAME",
            "{\"id\":1,\"history\":{\"channel\":\"a\",\"limit\":\"x\"}}|BAD_FRAME",
    })
    void aCommandThatCannotBeServedIsAnErrorForItsId(String line, ErrorCode code) {
        ClientCommand decoded = commands.decode(line).get(0);
        assertThat(decoded).isInstanceOf(ClientCommand.Invalid.class);
        assertThat(((ClientCommand.Invalid) decoded).code()).isEqualTo(code);
        assertThat(decoded.id().longValue()).isEqualTo(1);
    }

    @Test
    void aTokenLongerThanTheLimitIsRefused() {
        ClientCommand decoded = commands.decode("{\"id\":1,\"connect\":{\"token\":\"" + "t".repeat(101) + "\"}}").get(0);
        assertThat(((ClientCommand.Invalid) decoded).code()).isEqualTo(ErrorCode.BAD_FRAME);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not json",
            "{\"id\":1,\"subscribe\":",
            "[1]",
            "{\"subscribe\":{\"channel\":\"a\"}}",
            "{\"id\":0,\"subscribe\":{\"channel\":\"a\"}}",
            "{\"id\":\"1\",\"subscribe\":{\"channel\":\"a\"}}",
            "{\"id\":4294967296,\"subscribe\":{\"channel\":\"a\"}}",
    })
    void whatHasNoIdToAnswerEndsTheFrameAsOneInvalidWithoutId(String line) {
        List<ClientCommand> decoded = commands.decode("{\"id\":9,\"subscribe\":{\"channel\":\"ok\"}}\n" + line
                + "\n{\"id\":10,\"subscribe\":{\"channel\":\"after\"}}");
        assertThat(decoded).hasSize(1);
        assertThat(decoded.get(0)).isInstanceOf(ClientCommand.Invalid.class);
        assertThat(decoded.get(0).id()).isNull();
    }

    @Test
    void moreCommandsInOneFrameThanTheBoundEndTheConnection() {
        String line = "{\"id\":1,\"subscribe\":{\"channel\":\"a\"}}\n";
        assertThat(commands.decode(line.repeat(3))).hasSize(3);
        List<ClientCommand> tooMany = commands.decode(line.repeat(4));
        assertThat(tooMany).hasSize(1);
        assertThat(((ClientCommand.Invalid) tooMany.get(0)).id()).isNull();
    }

    @Test
    void deeplyNestedInputIsRefusedNotParsedWithoutLimit() {
        String deep = "{\"id\":1,\"connect\":{\"data\":" + "[".repeat(100) + "]".repeat(100) + "}}";
        List<ClientCommand> decoded = commands.decode(deep);
        assertThat(decoded.get(0)).isInstanceOf(ClientCommand.Invalid.class);
        assertThat(decoded.get(0).id()).isNull();
    }
}
