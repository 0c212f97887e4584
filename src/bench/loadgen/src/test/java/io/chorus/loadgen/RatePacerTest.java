package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

class RatePacerTest {

    @Test
    void eachMessageIsStampedWithItsDueTimeOneIntervalAfterTheLast() throws Exception {
        List<Long> dues = new CopyOnWriteArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);

        Thread pacer = RatePacer.start("test-pacer", running::get, () -> 200, dues::add);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (dues.size() < 10 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        running.set(false);
        pacer.join(5_000);

        assertTrue(dues.size() >= 10, "sent " + dues.size() + " in 10 s at 200/s");
        for (int i = 1; i < 10; i++) {
            assertEquals(5_000_000L, dues.get(i) - dues.get(i - 1), "due times 1/200 s apart, however late sent");
        }
        assertTrue(!pacer.isAlive(), "the pacer ends when told to");
    }

    @Test
    void aRateOfZeroSendsNothing() throws Exception {
        List<Long> dues = new CopyOnWriteArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);

        Thread pacer = RatePacer.start("test-pacer", running::get, () -> 0, dues::add);
        Thread.sleep(100);
        running.set(false);
        pacer.join(5_000);

        assertEquals(List.of(), dues);
    }
}
