package io.chorus.loadgen;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A replica's RSS read repeatedly while its connections sit idle, summed up by the median: one reading can fall
 * inside a passing bump (a JVM replica's JIT compiling the ping path every ping round holds 5–20 MB of arenas for a
 * few seconds until the periodic native-heap trim), the median of a window's readings is where the process sits.
 */
final class IdleRss {

    private final List<Long> readingsKiB = new ArrayList<>();

    /** Adds a reading; a failed one (-1: the process is gone, /proc unreadable) is left out. */
    void add(long rssKiB) {
        if (rssKiB >= 0) {
            readingsKiB.add(rssKiB);
        }
    }

    int readings() {
        return readingsKiB.size();
    }

    /** The median reading (the lower of the two middle ones for an even count), or -1 with none. */
    long medianKiB() {
        if (readingsKiB.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(readingsKiB);
        Collections.sort(sorted);
        return sorted.get((sorted.size() - 1) / 2);
    }
}
