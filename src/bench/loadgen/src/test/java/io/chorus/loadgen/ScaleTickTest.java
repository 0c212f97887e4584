package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLongArray;

import org.junit.jupiter.api.Test;

class ScaleTickTest {

    @Test
    void perReplicaCountsTravelAsOneWordOfATickLine() {
        AtomicLongArray counts = new AtomicLongArray(new long[] { 16_575, 0, 3, 99_453_000L });

        String word = ScaleWorker.counts(counts);

        assertEquals(-1, word.indexOf(' '), "one word: the tick line is split at spaces");
        assertArrayEquals(new long[] { 16_575, 0, 3, 99_453_000L }, ScaleCoordinator.countsOf(word));
        assertArrayEquals(new long[0], ScaleCoordinator.countsOf(ScaleWorker.counts(new AtomicLongArray(0))));
    }

    @Test
    void everyWorkerHasSourceAddressesOfItsOwnAndNoneIsTheServers() {
        assertEquals("127.0.2.1,127.0.2.2,127.0.2.3,127.0.2.4", ScaleCoordinator.sourcesOf(0, 4));
        assertEquals("127.0.8.1", ScaleCoordinator.sourcesOf(6, 1));
    }
}
