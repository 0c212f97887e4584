package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class IdleRssTest {

    @Test
    void aBumpInOneReadingDoesNotMoveTheMedian() {
        IdleRss rss = new IdleRss();
        for (long kib : new long[] { 213_400, 213_500, 245_800, 213_450, 213_380 }) {
            rss.add(kib);
        }
        assertEquals(213_450, rss.medianKiB());
        assertEquals(5, rss.readings());
    }

    @Test
    void failedReadingsAreLeftOutAndNoReadingHasNoMedian() {
        IdleRss rss = new IdleRss();
        assertEquals(-1, rss.medianKiB());
        rss.add(-1);
        rss.add(100);
        rss.add(300);
        assertEquals(100, rss.medianKiB(), "the lower middle of an even count");
        assertEquals(2, rss.readings());
    }
}
