package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;

import org.junit.jupiter.api.Test;

class StormTallyTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void allBackCountsFromTheLossToTheLastReturn() {
        StormTally tally = new StormTally(4);
        long lostAt = 100 * SECOND;
        tally.back(0, lostAt + SECOND, true);
        tally.back(1, lostAt + 2 * SECOND, true);
        tally.back(2, lostAt + 3 * SECOND, true);
        tally.back(3, lostAt + 9 * SECOND, false);
        tally.back(3, lostAt + 20 * SECOND, true); // a later return of the same client does not count
        Map<String, Object> summary = tally.summary(lostAt);
        assertEquals(4, summary.get("back"));
        assertEquals(3, summary.get("recovered"));
        assertEquals(1, summary.get("recoveredFalse"));
        assertEquals(9.0, summary.get("secondsUntilAllBack"));
        assertEquals(true, summary.get("allBackWithin10s"));
        assertEquals(2.0, summary.get("secondsP50"));
        assertEquals(9.0, summary.get("secondsP99"));
    }

    @Test
    void oneClientMissingMeansNotAllBack() {
        StormTally tally = new StormTally(3);
        tally.back(0, SECOND, true);
        tally.back(2, 12 * SECOND, true);
        Map<String, Object> summary = tally.summary(0);
        assertEquals(2, summary.get("back"));
        assertEquals(1, summary.get("backWithin10s"));
        assertEquals(false, summary.get("allBackWithin10s"));
        assertNull(summary.get("secondsUntilAllBack"));
    }
}
