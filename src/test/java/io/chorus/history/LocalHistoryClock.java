package io.chorus.history;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.chorus.backplane.Backplane;

/** Makes a {@link LocalHistory} whose TTL runs on a clock the test moves (nanoseconds). */
public final class LocalHistoryClock {

    private LocalHistoryClock() {
    }

    public static LocalHistory create(Backplane backplane, Duration ttl, AtomicLong nanos) {
        return new LocalHistory(backplane, 1000, ttl, 10_000, nanos::get);
    }
}
