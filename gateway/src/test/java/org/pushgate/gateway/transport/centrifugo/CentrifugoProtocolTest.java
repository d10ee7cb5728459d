package org.pushgate.gateway.transport.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pushgate.gateway.broker.History;
import org.pushgate.gateway.broker.StreamMessage;
import org.pushgate.gateway.broker.StreamPosition;
import org.pushgate.gateway.connection.CloseReason;
import org.pushgate.gateway.protocol.ChannelNames;
import org.pushgate.gateway.protocol.ClientCommand;
import org.pushgate.gateway.protocol.ErrorCode;
import org.pushgate.gateway.protocol.OutboundFrame;
import org.pushgate.gateway.protocol.ServerFrames;

import tools.jackson.databind.node.IntNode;

/** The frames of Centrifugo's protocol, the encoding of hub messages as pushes, and the code tables. */
class CentrifugoProtocolTest {

    final CentrifugoProtocol protocol = new CentrifugoProtocol(new CentrifugoCommands(new ChannelNames(32), 4096, 100, 8), 25);
    static final IntNode ID = IntNode.valueOf(7);

    private static History history(long top, long... offsets) {
        List<StreamMessage> messages = new java.util.ArrayList<>();
        for (long offset : offsets) {
            messages.add(new StreamMessage(offset, ("{\"n\":" + offset + "}").getBytes(StandardCharsets.UTF_8)));
        }
        return new History(new StreamPosition(top, "e1"), messages, true);
    }

    @Test
    void aHubMessageBecomesAPublicationPushMadeOncePerFrameAndShared() {
        OutboundFrame message = ServerFrames.message("news", 42, "{\"a\":[1,\"x\"]}".getBytes(StandardCharsets.UTF_8)).shareWire();
        OutboundFrame push = CentrifugoSocket.encode(message);
        assertThat(push.text()).isEqualTo("{\"push\":{\"channel\":\"news\",\"pub\":{\"data\":{\"a\":[1,\"x\"]},\"offset\":42}}}");
        assertThat(push.sharesWire()).isTrue();
        assertThat(CentrifugoSocket.encode(message)).as("the second subscriber gets the same encoding").isSameAs(push);
        assertThat(message.text()).as("the /ws encoding is untouched").startsWith("{\"op\":\"message\"");
    }

    @Test
    void pingsAreTheEmptyObjectHeartbeatsAreNotSentRepliesPassAsTheyAre() {
        assertThat(CentrifugoSocket.encode(ServerFrames.PING).text()).isEqualTo("{}");
        assertThat(CentrifugoSocket.encode(ServerFrames.PING).kind()).as("a text frame, not a WebSocket ping")
                .isEqualTo(OutboundFrame.Kind.REPLY);
        assertThat(CentrifugoSocket.encode(ServerFrames.HEARTBEAT)).isNull();
        OutboundFrame reply = protocol.unsubscribed("a", ID);
        assertThat(CentrifugoSocket.encode(reply)).isSameAs(reply);
    }

    @Test
    void theConnectReplyTellsTheSdkToPongAndWhenToRefresh() {
        String reply = protocol.connected("alice", 2_000_000_000L, 30, ID).text();
        assertThat(reply).startsWith("{\"id\":7,\"connect\":{\"client\":\"").contains("\"version\":\"pushgate\"")
                .contains("\"expires\":true,\"ttl\":30").contains("\"ping\":25,\"pong\":true");
        assertThat(protocol.connected(null, 0, 0, ID).text()).doesNotContain("expires");
        assertThat(protocol.refreshed(2_000_000_000L, 30, ID).text())
                .isEqualTo("{\"id\":7,\"refresh\":{\"version\":\"pushgate\",\"expires\":true,\"ttl\":30}}");
    }

    @Test
    void aFreshSubscribeRepliesWithTheTopOfTheStream() {
        List<OutboundFrame> frames = protocol.subscribed("a", ID, null, false, history(5));
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).text()).isEqualTo(
                "{\"id\":7,\"subscribe\":{\"recoverable\":true,\"positioned\":true,\"epoch\":\"e1\",\"offset\":5}}");
    }

    @Test
    void aRecoveryHoldsThePublicationsInItsReplyAndStartsFromThePositionRecoveredFrom() {
        List<OutboundFrame> frames = protocol.subscribed("a", ID, new ClientCommand.Since(3, "e1"), true, history(5, 4, 5));
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).text()).isEqualTo("{\"id\":7,\"subscribe\":{\"recoverable\":true,\"positioned\":true,"
                + "\"epoch\":\"e1\",\"offset\":3,\"was_recovering\":true,\"recovered\":true,"
                + "\"publications\":[{\"data\":{\"n\":4},\"offset\":4},{\"data\":{\"n\":5},\"offset\":5}]}}");
    }

    @Test
    void aFailedRecoverySaysSoAndDeliversNothing() {
        String reply = protocol.subscribed("a", ID, new ClientCommand.Since(1, "old"), false, history(9, 7, 8, 9)).get(0).text();
        assertThat(reply).contains("\"offset\":9,\"was_recovering\":true,\"recovered\":false").doesNotContain("publications");
    }

    @Test
    void historyNewestFirstWhenReversed() {
        assertThat(protocol.history("a", ID, history(5, 4, 5), true).text()).isEqualTo("{\"id\":7,\"history\":{\"publications\":"
                + "[{\"data\":{\"n\":5},\"offset\":5},{\"data\":{\"n\":4},\"offset\":4}],\"epoch\":\"e1\",\"offset\":5}}");
    }

    @Test
    void serverUnsubscribesArePushesWithCentrifugosCodes() {
        assertThat(protocol.insufficientState("a").text())
                .isEqualTo("{\"push\":{\"channel\":\"a\",\"unsubscribe\":{\"code\":2500,\"reason\":\"insufficient state\"}}}");
        assertThat(protocol.unsubscribedByServer("a").text()).contains("\"code\":2000");
    }

    @Test
    void errorsCarryTheirIdAndCode() {
        assertThat(protocol.error(ErrorCode.FORBIDDEN, "no", ID).text())
                .isEqualTo("{\"id\":7,\"error\":{\"code\":103,\"message\":\"no\"}}");
        assertThat(protocol.error(ErrorCode.BROKER_UNAVAILABLE, "later", ID).text()).contains("\"code\":100").contains("\"temporary\":true");
        assertThat(protocol.tokenExpired(ID).text()).contains("\"code\":109");
        assertThat(protocol.error(ErrorCode.NOT_SUBSCRIBED, "not subscribed", ID).text())
                .as("unsubscribing twice succeeds, as in Centrifugo").isEqualTo("{\"id\":7,\"unsubscribe\":{}}");
    }

    @Test
    void anErrorWithoutIdIsNotSentForTheSdkWouldTakeItForAPing() {
        assertThat(protocol.error(ErrorCode.RATE_LIMITED, "slow down", null)).isNull();
        assertThat(protocol.closesOn(new ClientCommand.Invalid(ErrorCode.BAD_FRAME, "x", null))).isTrue();
        assertThat(protocol.closesOn(new ClientCommand.Invalid(ErrorCode.BAD_FRAME, "x", ID))).isFalse();
    }

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void everyErrorHasACentrifugoCode(ErrorCode code) {
        assertThat(CentrifugoCodes.error(code).code()).isBetween(100, 112);
    }

    /** The SDK reconnects after 3000-3499 and stops after 3500-3999. */
    @ParameterizedTest
    @EnumSource(CloseReason.class)
    void everyCloseReasonHasADisconnectCodeOnItsSideOfTheReconnectRule(CloseReason reason) {
        int code = CentrifugoCodes.disconnect(reason).code();
        assertThat(code).isBetween(3000, 3999);
        // Centrifugo's "stale" (no connect in time) is terminal; pushgate's auth_timeout would allow a reconnect.
        boolean reconnect = reason == CloseReason.AUTH_TIMEOUT ? false : reason.reconnect();
        assertThat(code < 3500).as("%s -> %d", reason, code).isEqualTo(reconnect);
    }
}
