package io.chorus.loadgen;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * End-to-end latency, recorded from every event loop without locks (HdrHistogram {@link Recorder}s, in microseconds),
 * cut into one interval per {@link #tick} for the latency-over-time chart, and summed over the measured phase for the
 * distribution. Deliveries whose receiver is on another replica than the publisher are also kept apart
 * ({@code crossReplica}): those crossed Redis and a second server.
 */
final class LatencyRecorder {

    /** Latencies above this (µs) are recorded as this value; a run is far shorter. */
    static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(5);

    /** One interval of the timeline. */
    record Interval(double atSeconds, String phase, long count, double p50Ms, double p90Ms, double p99Ms, double maxMs,
            long crossCount, double crossP99Ms) {
    }

    private final Recorder all = new Recorder(HIGHEST_MICROS, 3);
    private final Recorder cross = new Recorder(HIGHEST_MICROS, 3);
    private final Histogram totalAll = new Histogram(HIGHEST_MICROS, 3);
    private final Histogram totalCross = new Histogram(HIGHEST_MICROS, 3);
    private final Histogram window = new Histogram(HIGHEST_MICROS, 3);
    private final List<Interval> timeline = new ArrayList<>();
    private Histogram allInterval;
    private Histogram crossInterval;

    /** Records one delivery's latency; safe from any thread. */
    void record(long latencyNanos, boolean crossReplica) {
        long micros = Math.max(0, Math.min(HIGHEST_MICROS, latencyNanos / 1_000));
        all.recordValue(micros);
        if (crossReplica) {
            cross.recordValue(micros);
        }
    }

    /**
     * Closes the current interval: appends it to the timeline and, when {@code measured}, adds it to the totals.
     * Called from one thread (the progress display), once per interval.
     */
    synchronized Interval tick(double atSeconds, String phase, boolean measured) {
        allInterval = all.getIntervalHistogram(allInterval);
        crossInterval = cross.getIntervalHistogram(crossInterval);
        window.add(allInterval);
        if (measured) {
            totalAll.add(allInterval);
            totalCross.add(crossInterval);
        }
        Interval interval = new Interval(atSeconds, phase, allInterval.getTotalCount(), ms(allInterval, 50),
                ms(allInterval, 90), ms(allInterval, 99), maxMs(allInterval), crossInterval.getTotalCount(),
                ms(crossInterval, 99));
        timeline.add(interval);
        return interval;
    }

    /** All latencies recorded since the previous call (by whole intervals), for one step of a ramp. */
    synchronized Histogram takeWindow() {
        Histogram copy = window.copy();
        window.reset();
        return copy;
    }

    synchronized List<Interval> timeline() {
        return List.copyOf(timeline);
    }

    /** The measured latencies of all deliveries (a copy). */
    synchronized Histogram total() {
        return totalAll.copy();
    }

    /** The measured latencies of cross-replica deliveries (a copy). */
    synchronized Histogram totalCrossReplica() {
        return totalCross.copy();
    }

    /** p50, p90, p99, p99.9 and max of a histogram of microseconds, in milliseconds, for the report. */
    static Map<String, Object> summary(Histogram micros) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("count", micros.getTotalCount());
        summary.put("p50Ms", ms(micros, 50));
        summary.put("p90Ms", ms(micros, 90));
        summary.put("p99Ms", ms(micros, 99));
        summary.put("p999Ms", ms(micros, 99.9));
        summary.put("maxMs", maxMs(micros));
        summary.put("meanMs", micros.getTotalCount() == 0 ? 0.0 : round(micros.getMean() / 1000.0));
        return summary;
    }

    static double ms(Histogram micros, double percentile) {
        return micros.getTotalCount() == 0 ? 0.0 : round(micros.getValueAtPercentile(percentile) / 1000.0);
    }

    static double maxMs(Histogram micros) {
        return micros.getTotalCount() == 0 ? 0.0 : round(micros.getMaxValue() / 1000.0);
    }

    /**
     * The percentile spectrum of a histogram for the distribution chart: points (percentile, latency ms) from the
     * minimum out to the maximum, denser towards the tail (HdrHistogram's percentile iteration, 5 ticks per half).
     */
    static List<double[]> spectrum(Histogram micros) {
        List<double[]> points = new ArrayList<>();
        if (micros.getTotalCount() == 0) {
            return points;
        }
        micros.percentiles(5).forEach(value -> {
            double percentile = value.getPercentileLevelIteratedTo();
            if (percentile < 100.0) {
                points.add(new double[] { percentile, micros.highestEquivalentValue(value.getValueIteratedTo()) / 1000.0 });
            }
        });
        double maxAt = 100.0 * (1.0 - 1.0 / micros.getTotalCount());
        double maxMs = micros.getMaxValue() / 1000.0;
        if (points.isEmpty() || maxAt > points.get(points.size() - 1)[0]) {
            points.add(new double[] { maxAt, maxMs });
        } else {
            points.get(points.size() - 1)[1] = maxMs;
        }
        return points;
    }

    private static double round(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }
}
