package io.chorus.backplane;

import java.time.Duration;

/** Capped exponential backoff: initial, 2×initial, 4×initial, … up to max. */
record Backoff(Duration initial, Duration max) {

    Duration delay(int attempt) {
        long initialMillis = Math.max(1, initial.toMillis());
        int shift = Math.min(Math.max(attempt, 0), 30);
        long millis = initialMillis << shift;
        return Duration.ofMillis(Math.min(millis <= 0 ? Long.MAX_VALUE : millis, max.toMillis()));
    }
}
