package org.pushgate.gateway.broker;

import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** The Broker contract on the embedded engine. */
class MemoryBrokerContractTest extends BrokerContract {

    private Scheduler scheduler;

    @Override
    Broker create(RecordingHub hub, HistoryPolicy policy) {
        scheduler = Schedulers.newSingle("memory-broker-test");
        MemoryBroker memory = new MemoryBroker(hub, policy, 64L << 20, scheduler, reason -> { });
        memory.start();
        return memory;
    }

    @Override
    void destroy(Broker broker) {
        ((MemoryBroker) broker).stop();
        scheduler.dispose();
    }
}
