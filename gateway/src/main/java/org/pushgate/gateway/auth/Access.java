package org.pushgate.gateway.auth;

/** Who may subscribe to the channels of a namespace. */
public enum Access {
    /** Every authenticated connection. */
    AUTHENTICATED,
    /** Only connections whose token's {@code channels} claim allows the channel. */
    CLAIM,
    /** No client: channels published for backends or other nodes only. */
    NONE
}
