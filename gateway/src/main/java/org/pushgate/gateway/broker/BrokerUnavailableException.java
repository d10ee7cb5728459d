package org.pushgate.gateway.broker;

/**
 * The broker could not be reached in time (Redis down, slow or paused). A publish that fails with it may or may
 * not have been applied: see docs/protocol.md for what a publisher may assume.
 */
public final class BrokerUnavailableException extends RuntimeException {

    public BrokerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
