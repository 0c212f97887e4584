package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class CountsByKeyTest {

    @Test
    void countsAreShownSortedByKeyAndALongKeyIsCutTo160Characters() {
        CountsByKey counts = new CountsByKey();
        counts.count("HTTP 503");
        counts.count("HTTP 503");
        counts.count("ConnectException: " + "x".repeat(300));
        counts.count("ConnectException: " + "x".repeat(400));

        Map<String, Long> snapshot = counts.snapshot();

        assertEquals(List.of("ConnectException: " + "x".repeat(160 - 18), "HTTP 503"), List.copyOf(snapshot.keySet()));
        assertEquals(List.of(2L, 2L), List.copyOf(snapshot.values()));
        assertEquals(2, counts.keys());
    }

    @Test
    void clearedCountsStartFromNothing() {
        CountsByKey counts = new CountsByKey();
        counts.count("a");
        counts.clear();
        counts.count("b");

        assertEquals(Map.of("b", 1L), counts.snapshot());
    }
}
