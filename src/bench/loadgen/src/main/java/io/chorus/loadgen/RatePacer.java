package io.chorus.loadgen;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.LongConsumer;

/**
 * A thread that sends one message every {@code 1 / rate} seconds, each handed the time it was due (so a message sent
 * late carries its lateness into the measured latency), while {@code running} says so. The rate is read before every
 * send: 0 pauses, and a new rate starts its schedule from now. One send at most per millisecond's wake-up; the load
 * generator's broadcast publishers (the reconnect storm's, the multi-process run's) use it at a few to a few hundred
 * messages per second.
 */
final class RatePacer {

    private RatePacer() {
    }

    /** Starts the pacer as a daemon thread named {@code name}; it ends when {@code running} answers false. */
    static Thread start(String name, BooleanSupplier running, DoubleSupplier rate, LongConsumer sendDue) {
        Thread pacer = new Thread(() -> {
            long due = System.nanoTime();
            double paced = 0;
            while (running.getAsBoolean()) {
                double r = rate.getAsDouble();
                if (r <= 0) {
                    paced = 0;
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                    continue;
                }
                if (r != paced) {
                    due = System.nanoTime();
                    paced = r;
                }
                if (System.nanoTime() >= due) {
                    sendDue.accept(due);
                    due += Math.round(1e9 / r);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }, name);
        pacer.setDaemon(true);
        pacer.start();
        return pacer;
    }
}
