package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LatencyRecorderTest {

    @Test
    void onlyMeasuredIntervalsCountInTheTotalsAndCrossReplicaIsKeptApart() {
        LatencyRecorder recorder = new LatencyRecorder();
        recorder.record(500_000_000L, false); // warm-up outlier, 500 ms
        LatencyRecorder.Interval warmup = recorder.tick(1, "warmup", false);
        assertEquals(1, warmup.count());

        for (int i = 1; i <= 100; i++) {
            recorder.record(i * 1_000_000L, i % 2 == 0); // 1..100 ms, even ones cross-replica
        }
        LatencyRecorder.Interval measured = recorder.tick(2, "measure", true);

        Histogram total = recorder.total();
        assertEquals(100, total.getTotalCount());
        assertEquals(50, recorder.totalCrossReplica().getTotalCount());
        assertEquals(50.0, LatencyRecorder.ms(total, 50), 0.1);
        assertEquals(99.0, LatencyRecorder.ms(total, 99), 0.1);
        assertEquals(100.0, measured.maxMs(), 0.1);
        assertEquals(2, recorder.timeline().size());
    }

    @Test
    void summaryAndSpectrumAreInMilliseconds() {
        Histogram micros = new Histogram(LatencyRecorder.HIGHEST_MICROS, 3);
        for (int i = 0; i < 999; i++) {
            micros.recordValue(2_000);
        }
        micros.recordValue(40_000);
        var summary = LatencyRecorder.summary(micros);
        assertEquals(1000L, summary.get("count"));
        assertEquals(2.0, (double) summary.get("p50Ms"), 0.01);
        assertEquals(40.0, (double) summary.get("maxMs"), 0.05);

        List<double[]> spectrum = LatencyRecorder.spectrum(micros);
        double[] last = spectrum.get(spectrum.size() - 1);
        assertEquals(40.0, last[1], 0.05);
        for (int i = 1; i < spectrum.size(); i++) {
            assertTrue(spectrum.get(i)[0] > spectrum.get(i - 1)[0], "percentiles increase along the spectrum");
        }
    }

    @Test
    void valuesAboveTheRangeAreClampedNotLost() {
        LatencyRecorder recorder = new LatencyRecorder();
        recorder.record(Long.MAX_VALUE, false);
        recorder.record(-5, false);
        recorder.tick(1, "measure", true);
        assertEquals(2, recorder.total().getTotalCount());
    }
}
