package io.chorus.loadgen;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of things that happened, by what they were (an error's text, a close code, an HTTP status…), from any
 * thread; a report shows them sorted by key. A key is cut to 160 characters, so an exception's long message is one key.
 */
final class CountsByKey {

    static final int KEY_LIMIT = 160;

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    void count(String key) {
        counts.computeIfAbsent(key.length() > KEY_LIMIT ? key.substring(0, KEY_LIMIT) : key, k -> new LongAdder())
                .increment();
    }

    /** The counts now, sorted by key. */
    Map<String, Long> snapshot() {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((key, value) -> copy.put(key, value.sum()));
        return copy;
    }

    /** How many different keys were counted. */
    int keys() {
        return counts.size();
    }

    void clear() {
        counts.clear();
    }
}
