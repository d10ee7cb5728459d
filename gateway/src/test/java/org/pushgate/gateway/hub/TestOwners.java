package org.pushgate.gateway.hub;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Subscriber owners for tests of the hub without connections. */
public final class TestOwners {

    /** Ignores everything. */
    public static final SubscriberOwner NONE = counting(new AtomicInteger());

    private TestOwners() {
    }

    /** Counts cuts; records the channels it was told were insufficient. */
    public static Recording counting(AtomicInteger cuts) {
        return new Recording(cuts);
    }

    public static final class Recording implements SubscriberOwner {
        public final AtomicInteger cuts;
        public final List<HubEvents.DropReason> reasons = new CopyOnWriteArrayList<>();
        public final List<String> insufficient = new CopyOnWriteArrayList<>();

        Recording(AtomicInteger cuts) {
            this.cuts = cuts;
        }

        @Override
        public void cut(HubEvents.DropReason reason) {
            cuts.incrementAndGet();
            reasons.add(reason);
        }

        @Override
        public void insufficientState(String channel) {
            insufficient.add(channel);
        }
    }
}
