package io.chorus.loadgen;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many clients received each broadcast, by its offset in the broadcast stream, plus what the clients saw go
 * wrong: duplicates (an offset at or below the last one a client had), holes (an offset skipped silently, a loss) and
 * offsets a {@code gap} event declared undeliverable. One per worker process; the coordinator merges the workers'
 * ledgers ({@link #merge}) and compares them with the offsets its publisher had acked ({@link #lostOf}).
 * <p>
 * Recording is safe from any thread (the clients' event loops).
 */
final class BroadcastLedger {

    /** Offsets above this are counted as {@code beyondCapacity}, not per offset (a run publishes far fewer). */
    static final int CAPACITY = 1 << 17;

    private final AtomicIntegerArray received = new AtomicIntegerArray(CAPACITY);
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder holes = new LongAdder();
    private final LongAdder declaredGaps = new LongAdder();
    private final LongAdder beyondCapacity = new LongAdder();

    void received(long offset) {
        if (offset <= 0 || offset >= CAPACITY) {
            beyondCapacity.increment();
            return;
        }
        received.incrementAndGet((int) offset);
    }

    void duplicate() {
        duplicates.increment();
    }

    /** A client went from {@code last} to {@code offset}: the offsets between were skipped without a gap event. */
    void hole(long missing) {
        holes.add(missing);
    }

    /** A {@code gap} event: {@code missing} offsets will not be delivered to this client, and it was told so. */
    void declaredGap(long missing) {
        declaredGaps.add(missing);
    }

    /** The ledger as one line: {@code duplicates holes declaredGaps beyondCapacity offset:count,offset:count,…}. */
    String encode() {
        StringBuilder line = new StringBuilder().append(duplicates.sum()).append(' ').append(holes.sum()).append(' ')
                .append(declaredGaps.sum()).append(' ').append(beyondCapacity.sum()).append(' ');
        boolean first = true;
        for (int offset = 1; offset < CAPACITY; offset++) {
            int count = received.get(offset);
            if (count > 0) {
                line.append(first ? "" : ",").append(offset).append(':').append(count);
                first = false;
            }
        }
        return line.append(first ? "-" : "").toString();
    }

    /** What the workers' ledgers say together. */
    record Merged(TreeMap<Long, Long> receivedByOffset, long duplicates, long holes, long declaredGaps,
            long beyondCapacity) {

        long deliveries() {
            return receivedByOffset.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    static Merged merge(Collection<String> encoded) {
        TreeMap<Long, Long> counts = new TreeMap<>();
        long duplicates = 0, holes = 0, gaps = 0, beyond = 0;
        for (String line : encoded) {
            String[] parts = line.trim().split(" ");
            if (parts.length != 5) {
                throw new IllegalArgumentException("not a ledger line: " + line);
            }
            duplicates += Long.parseLong(parts[0]);
            holes += Long.parseLong(parts[1]);
            gaps += Long.parseLong(parts[2]);
            beyond += Long.parseLong(parts[3]);
            if (!parts[4].equals("-")) {
                for (String entry : parts[4].split(",")) {
                    int colon = entry.indexOf(':');
                    counts.merge(Long.parseLong(entry.substring(0, colon)), Long.parseLong(entry.substring(colon + 1)),
                            Long::sum);
                }
            }
        }
        return new Merged(counts, duplicates, holes, gaps, beyond);
    }

    /**
     * Per acked offset, how many of the {@code clients} did not receive it, for the offsets where any is missing:
     * every client was connected before the first publish, so each must get every acked broadcast exactly once,
     * directly or recovered after a reconnect.
     */
    static Map<Long, Long> lostOf(Merged merged, Collection<Long> ackedOffsets, long clients) {
        Map<Long, Long> lost = new TreeMap<>();
        for (long offset : ackedOffsets) {
            long missing = clients - merged.receivedByOffset().getOrDefault(offset, 0L);
            if (missing > 0) {
                lost.put(offset, missing);
            }
        }
        return lost;
    }
}
