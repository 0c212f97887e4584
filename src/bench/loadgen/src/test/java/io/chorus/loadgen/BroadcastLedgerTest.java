package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class BroadcastLedgerTest {

    @Test
    void workersLedgersAddUpPerOffset() {
        BroadcastLedger a = new BroadcastLedger();
        a.received(1);
        a.received(1);
        a.received(2);
        a.duplicate();
        BroadcastLedger b = new BroadcastLedger();
        b.received(1);
        b.received(3);
        b.hole(1);
        b.declaredGap(4);

        BroadcastLedger.Merged merged = BroadcastLedger.merge(List.of(a.encode(), b.encode()));

        assertEquals(new TreeMap<>(Map.of(1L, 3L, 2L, 1L, 3L, 1L)), merged.receivedByOffset());
        assertEquals(1, merged.duplicates());
        assertEquals(1, merged.holes());
        assertEquals(4, merged.declaredGaps());
        assertEquals(5, merged.deliveries());
    }

    @Test
    void anAckedOffsetSomeClientsMissedIsLostForThoseClients() {
        BroadcastLedger a = new BroadcastLedger();
        a.received(1);
        a.received(2);
        BroadcastLedger b = new BroadcastLedger();
        b.received(1);

        BroadcastLedger.Merged merged = BroadcastLedger.merge(List.of(a.encode(), b.encode()));

        assertEquals(Map.of(2L, 1L, 3L, 2L), BroadcastLedger.lostOf(merged, List.of(1L, 2L, 3L), 2));
    }

    @Test
    void aWorkerThatReceivedNothingMergesAsEmpty() {
        BroadcastLedger.Merged merged = BroadcastLedger.merge(List.of(new BroadcastLedger().encode()));

        assertTrue(merged.receivedByOffset().isEmpty());
        assertTrue(BroadcastLedger.lostOf(merged, List.of(), 5).isEmpty());
    }

    @Test
    void histogramsFromWorkersMergeWithoutLosingCounts() {
        Histogram one = new Histogram(LatencyRecorder.HIGHEST_MICROS, 3);
        Histogram two = new Histogram(LatencyRecorder.HIGHEST_MICROS, 3);
        for (int i = 1; i <= 99; i++) {
            one.recordValue(1_000);
        }
        two.recordValue(250_000);

        Histogram merged = new Histogram(LatencyRecorder.HIGHEST_MICROS, 3);
        HistogramText.addInto(merged, HistogramText.encode(one));
        HistogramText.addInto(merged, HistogramText.encode(two));

        assertEquals(100, merged.getTotalCount());
        assertEquals(two.getMaxValue(), merged.getMaxValue());
        assertEquals(one.getValueAtPercentile(50), merged.getValueAtPercentile(50));
    }
}
