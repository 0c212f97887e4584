package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class DeliveryLedgerTest {

    // publishers 0 and 1 publish to group 0, publisher 2 to group 1
    private final DeliveryLedger ledger = new DeliveryLedger(new int[] { 0, 0, 1 });

    @Test
    void countsEveryMessageOnceAndFindsWhatIsMissing() {
        DeliveryLedger.Inbox inbox = ledger.inbox(0);
        for (long seq = 0; seq < 5; seq++) {
            assertEquals(DeliveryLedger.Outcome.FIRST, inbox.accept(0, seq));
        }
        inbox.accept(1, 0);
        inbox.accept(1, 2); // 1 never arrives

        long[] sent = { 5, 3, 7 };
        assertEquals(8, inbox.expected(sent));
        assertEquals(7, inbox.distinct());
        assertEquals(1, inbox.lost(sent));
    }

    @Test
    void aSecondCopyIsADuplicateAndAnotherGroupsMessageIsMisrouted() {
        DeliveryLedger.Inbox inbox = ledger.inbox(0);
        inbox.accept(0, 0);
        assertEquals(DeliveryLedger.Outcome.DUPLICATE, inbox.accept(0, 0));
        assertEquals(DeliveryLedger.Outcome.MISROUTED, inbox.accept(2, 0));
        assertEquals(DeliveryLedger.Outcome.MISROUTED, inbox.accept(99, 0));

        DeliveryLedger.Totals totals = ledger.totals(List.of(inbox), new long[] { 1, 0, 1 });
        assertEquals(4, totals.received());
        assertEquals(1, totals.distinct());
        assertEquals(1, totals.duplicates());
        assertEquals(2, totals.misrouted());
        assertEquals(0, totals.lost());
    }

    @Test
    void aPublishTheServerRefusedIsExpectedByNobody() {
        DeliveryLedger.Inbox inbox = ledger.inbox(0);
        inbox.accept(0, 0);
        inbox.accept(0, 2);
        ledger.reject(0, 1); // answered backplane_unavailable: delivered nowhere
        long[] sent = { 3, 0, 0 };
        assertEquals(2, inbox.expected(sent));
        assertEquals(0, inbox.lost(sent));
        assertEquals(1, ledger.rejectedCount());
    }

    @Test
    void aReceiverInNoGroupExpectsNothing() {
        DeliveryLedger.Inbox outsider = ledger.inbox(DeliveryLedger.NO_GROUP);
        assertEquals(0, outsider.expected(new long[] { 4, 4, 4 }));
        assertEquals(DeliveryLedger.Outcome.MISROUTED, outsider.accept(0, 0));
    }

    @Test
    void totalsAddUpOverReceiversAndCountOutOfOrder() {
        DeliveryLedger.Inbox a = ledger.inbox(0);
        DeliveryLedger.Inbox b = ledger.inbox(1);
        a.accept(0, 1);
        a.accept(0, 0); // late: out of order, still counted once
        b.accept(2, 0);
        long[] sent = { 2, 0, 3 };

        DeliveryLedger.Totals totals = ledger.totals(List.of(a, b), sent);
        assertEquals(5, totals.expected());
        assertEquals(3, totals.distinct());
        assertEquals(2, totals.lost());
        assertEquals(1, totals.outOfOrder());
        assertEquals(1, totals.receiversMissingSome());
    }
}
