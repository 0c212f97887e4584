package io.chorus.loadgen;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Once a second: closes a latency interval, reads the counters and the servers' RSS, prints one line, and keeps the
 * row for the report and the over-time charts.
 */
final class ProgressDisplay {

    /** One second of the run. */
    record Row(double t, String phase, int open, long sentPerSecond, long deliveredPerSecond, long expectedBacklog,
            LatencyRecorder.Interval latency, Map<String, Long> rssKiB) {
    }

    private final ClientFleet fleet;
    private final LatencyRecorder latency;
    private final List<ServerCluster.Replica> replicas;
    private final int target;
    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private final List<Row> rows = new ArrayList<>();
    private volatile String phase = "connect";
    private volatile boolean measured;
    private long lastSent;
    private long lastDelivered;
    private long lastNanos = startNanos;

    ProgressDisplay(ClientFleet fleet, LatencyRecorder latency, List<ServerCluster.Replica> replicas, int target,
            PrintStream out) {
        this.fleet = fleet;
        this.latency = latency;
        this.replicas = replicas;
        this.target = target;
        this.out = out;
    }

    /** Names the phase the next rows belong to, and whether their latencies count in the totals. */
    void phase(String name, boolean inTotals) {
        tick(); // close the interval of the previous phase
        this.phase = name;
        this.measured = inTotals;
    }

    String phase() {
        return phase;
    }

    double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    synchronized Row tick() {
        long now = System.nanoTime();
        double seconds = Math.max(1e-3, (now - lastNanos) / 1e9);
        lastNanos = now;
        long sent = fleet.sentTotal();
        long delivered = fleet.delivered();
        long sentRate = Math.round((sent - lastSent) / seconds);
        long deliveredRate = Math.round((delivered - lastDelivered) / seconds);
        lastSent = sent;
        lastDelivered = delivered;
        long backlog = Math.max(0, fleet.expectedDeliveries() - delivered);
        double t = elapsedSeconds();
        LatencyRecorder.Interval interval = latency.tick(t, phase, measured);
        Map<String, Long> rss = new LinkedHashMap<>();
        StringBuilder rssText = new StringBuilder();
        for (ServerCluster.Replica replica : replicas) {
            if (replica.pid() > 0) {
                long kib = ServerMemoryProbe.statusField(replica.pid(), "VmRSS");
                rss.put(replica.id(), kib);
                rssText.append(' ').append(replica.id()).append('=').append(kib / 1024).append("MiB");
            }
        }
        Row row = new Row(t, phase, fleet.open(), sentRate, deliveredRate, backlog, interval, rss);
        rows.add(row);
        out.println(String.format(Locale.ROOT,
                "[%6.1fs] %-8s conns %,d/%,d fail %d%s | sent %,d/s delivered %,d/s backlog %,d | p50 %.2f p99 %.2f max %.2f ms"
                        + " (x-replica p99 %.2f) | dup %d misrouted %d |%s",
                t, phase, fleet.open(), target, fleet.failed() + fleet.closedUnexpectedly(),
                phase.equals("join") ? String.format(Locale.ROOT, " joined %,d", fleet.joined()) : "", sentRate, deliveredRate,
                backlog, interval.p50Ms(), interval.p99Ms(), interval.maxMs(), interval.crossP99Ms(),
                fleet.duplicates(), fleet.misrouted(), rssText));
        return row;
    }

    synchronized List<Row> rows() {
        return List.copyOf(rows);
    }
}
