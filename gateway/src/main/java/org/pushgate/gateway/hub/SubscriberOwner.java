package org.pushgate.gateway.hub;

/** Who a subscriber buffer answers to: its connection. Calls only signal; the connection does the work. */
public interface SubscriberOwner {

    /** The buffer cut its subscriber (full under the disconnect policy, or the process fence); called once. */
    void cut(HubEvents.DropReason reason);

    /**
     * The node saw a gap in the channel's offsets (a message lost between nodes, a broker reconnect, a new epoch):
     * the subscriber's position in that channel means nothing any more. Called on the buffer's executor, instead
     * of offering the message that revealed the gap.
     */
    void insufficientState(String channel);
}
