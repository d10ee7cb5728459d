package org.pushgate.gateway.admission;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AdmissionTest {

    @Test
    void refusesOverTheGlobalLimitAndFreesTheSlotOnRelease() {
        Admission admission = new Admission(2, 0, null);
        Admission.Decision a = admission.tryAdmit("10.0.0.1");
        Admission.Decision b = admission.tryAdmit("10.0.0.2");
        Admission.Decision c = admission.tryAdmit("10.0.0.3");
        assertThat(a.admitted()).isTrue();
        assertThat(b.admitted()).isTrue();
        assertThat(c.rejection()).isEqualTo(Admission.Rejection.MAX_CONNECTIONS);

        a.ticket().release();
        a.ticket().release(); // idempotent: a second release must not free a second slot
        assertThat(admission.admitted()).isEqualTo(1);
        assertThat(admission.tryAdmit("10.0.0.3").admitted()).isTrue();
        assertThat(admission.tryAdmit("10.0.0.4").admitted()).isFalse();
    }

    @Test
    void refusesOverThePerAddressLimitWithoutTakingAGlobalSlot() {
        Admission admission = new Admission(10, 1, null);
        Admission.Decision first = admission.tryAdmit("10.0.0.1");
        assertThat(first.admitted()).isTrue();
        assertThat(admission.tryAdmit("10.0.0.1").rejection()).isEqualTo(Admission.Rejection.MAX_CONNECTIONS_PER_ADDRESS);
        assertThat(admission.admitted()).isEqualTo(1);
        assertThat(admission.tryAdmit("10.0.0.2").admitted()).isTrue();
        first.ticket().release();
        assertThat(admission.trackedAddresses()).as("empty address entries are removed").isEqualTo(1);
        assertThat(admission.tryAdmit("10.0.0.1").admitted()).isTrue();
    }

    /**
     * The handshake's give-up and the pipeline's start race for the same ticket (issue 9, race 1): exactly one
     * wins. A pipeline that starts after the give-up is refused, so no connection runs without its slot; a give-up
     * after the start leaves the slot with the connection, which returns it once.
     */
    @Test
    void aTicketIsEitherGivenUpOrStartedNeverBoth() {
        Admission admission = new Admission(1, 0, null);
        Admission.Ticket abandoned = admission.tryAdmit("10.0.0.1").ticket();
        assertThat(abandoned.giveUp()).isTrue();
        assertThat(abandoned.start()).as("started after the give-up").isFalse();
        assertThat(admission.admitted()).isZero();
        assertThat(abandoned.release()).as("nothing left to release").isFalse();
        assertThat(admission.admitted()).isZero();

        Admission.Ticket served = admission.tryAdmit("10.0.0.1").ticket();
        assertThat(served.start()).isTrue();
        assertThat(served.giveUp()).as("given up after the start").isFalse();
        assertThat(admission.admitted()).as("the running connection still holds its slot").isEqualTo(1);
        assertThat(admission.tryAdmit("10.0.0.2").admitted()).isFalse();
        assertThat(served.release()).isTrue();
        assertThat(served.release()).isFalse();
        assertThat(admission.admitted()).isZero();
    }

    @Test
    void refusesEverythingWhileDraining() {
        Admission admission = new Admission(10, 0, null);
        admission.drain();
        assertThat(admission.tryAdmit("10.0.0.1").rejection()).isEqualTo(Admission.Rejection.SHUTTING_DOWN);
        assertThat(admission.admitted()).isZero();
    }

    @Test
    void theDefaultLimitComesFromTheOpenFileLimitAndALargerConfiguredOneIsLowered() {
        assertThat(ConnectionLimit.resolve(0, 20_000, 500)).isEqualTo(19_500);
        assertThat(ConnectionLimit.resolve(50_000, 20_000, 500)).isEqualTo(19_500);
        assertThat(ConnectionLimit.resolve(1_000, 20_000, 500)).isEqualTo(1_000);
        assertThat(ConnectionLimit.resolve(0, -1, 500)).isEqualTo(10_000);
        assertThat(ConnectionLimit.resolve(0, 100, 500)).isEqualTo(1);
    }
}
