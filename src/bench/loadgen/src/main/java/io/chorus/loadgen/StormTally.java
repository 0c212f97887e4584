package io.chorus.loadgen;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * When each client of a reconnect storm was back: welcomed again on a surviving replica, with what it missed
 * recovered (its {@code welcome} said {@code recovered: true}, and the missed broadcasts follow it on the wire). Safe
 * from any thread.
 */
final class StormTally {

    private final AtomicLongArray backAt;
    private final AtomicLongArray recovered; // 1: recovered, -1: recovered false (a declared gap), 0: not back

    StormTally(int clients) {
        this.backAt = new AtomicLongArray(clients);
        this.recovered = new AtomicLongArray(clients);
    }

    /** Client {@code index} was welcomed again at {@code nanos}; only its first return counts. */
    void back(int index, long nanos, boolean recoveredAll) {
        if (backAt.compareAndSet(index, 0, Math.max(1, nanos))) {
            recovered.set(index, recoveredAll ? 1 : -1);
        }
    }

    boolean isBack(int index) {
        return backAt.get(index) != 0;
    }

    int backCount() {
        int n = 0;
        for (int i = 0; i < backAt.length(); i++) {
            n += backAt.get(i) != 0 ? 1 : 0;
        }
        return n;
    }

    /**
     * The storm's outcome, counted from {@code lostAtNanos} (the moment the replica was lost): how many are back and
     * recovered, within 10 s, and the seconds until the last came back (null while any is missing).
     */
    Map<String, Object> summary(long lostAtNanos) {
        int clients = backAt.length();
        double[] seconds = new double[clients];
        int back = 0;
        int recoveredAll = 0;
        int within10s = 0;
        for (int i = 0; i < clients; i++) {
            long at = backAt.get(i);
            if (at == 0) {
                continue;
            }
            double s = Math.max(0, (at - lostAtNanos) / 1e9);
            seconds[back++] = s;
            recoveredAll += recovered.get(i) == 1 ? 1 : 0;
            within10s += s <= 10 ? 1 : 0;
        }
        double[] sorted = Arrays.copyOf(seconds, back);
        Arrays.sort(sorted);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("clients", clients);
        summary.put("back", back);
        summary.put("recovered", recoveredAll);
        summary.put("recoveredFalse", back - recoveredAll);
        summary.put("backWithin10s", within10s);
        summary.put("allBackWithin10s", back == clients && within10s == clients);
        summary.put("secondsUntilAllBack", back == clients && clients > 0 ? round(sorted[back - 1]) : null);
        summary.put("secondsP50", back == 0 ? null : round(percentile(sorted, 50)));
        summary.put("secondsP99", back == 0 ? null : round(percentile(sorted, 99)));
        return summary;
    }

    private static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static double round(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }
}
