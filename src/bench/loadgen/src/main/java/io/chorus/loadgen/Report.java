package io.chorus.loadgen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The result of a run: {@code report.json} (a tree of sections, insertion-ordered) and three SVG charts — latency over
 * time, the latency distribution, and throughput over time.
 */
final class Report {

    static final String JSON = "report.json";
    static final String LATENCY_OVER_TIME = "latency-over-time.svg";
    static final String LATENCY_DISTRIBUTION = "latency-distribution.svg";
    static final String THROUGHPUT = "throughput.svg";

    private final Map<String, Object> root = new LinkedHashMap<>();

    Report put(String key, Object value) {
        root.put(key, value);
        return this;
    }

    /** The section of that name, created empty on first use. */
    @SuppressWarnings("unchecked")
    Map<String, Object> section(String name) {
        return (Map<String, Object>) root.computeIfAbsent(name, k -> new LinkedHashMap<String, Object>());
    }

    Map<String, Object> root() {
        return root;
    }

    String json() throws IOException {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root);
    }

    /** A measured value as reports show it: rounded to three decimals. */
    static double round(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }

    void writeJson(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(JSON), json());
    }

    /** Writes the three charts; {@code title} heads each one. */
    static void writeCharts(Path dir, String title, List<ProgressDisplay.Row> rows, Histogram all, Histogram cross)
            throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(LATENCY_OVER_TIME), latencyOverTime(title, rows).render());
        Files.writeString(dir.resolve(LATENCY_DISTRIBUTION), distribution(title, all, cross).render());
        Files.writeString(dir.resolve(THROUGHPUT), throughput(title, rows).render());
    }

    static SvgChart latencyOverTime(String title, List<ProgressDisplay.Row> rows) {
        List<double[]> p50 = new ArrayList<>(), p90 = new ArrayList<>(), p99 = new ArrayList<>(), max = new ArrayList<>();
        for (ProgressDisplay.Row row : rows) {
            LatencyRecorder.Interval i = row.latency();
            if (i.count() == 0) {
                continue;
            }
            p50.add(new double[] { row.t(), i.p50Ms() });
            p90.add(new double[] { row.t(), i.p90Ms() });
            p99.add(new double[] { row.t(), i.p99Ms() });
            max.add(new double[] { row.t(), i.maxMs() });
        }
        SvgChart chart = new SvgChart(title + ": latency per second", "time since start (s)",
                "end-to-end latency (ms, log)", SvgChart.XScale.LINEAR, SvgChart.YScale.LOG)
                .add(new SvgChart.Series("p50", "#1f77b4", p50))
                .add(new SvgChart.Series("p90", "#2ca02c", p90))
                .add(new SvgChart.Series("p99", "#ff7f0e", p99))
                .add(new SvgChart.Series("max", "#d62728", max));
        return phases(chart, rows);
    }

    static SvgChart distribution(String title, Histogram all, Histogram cross) {
        SvgChart chart = new SvgChart(title + ": latency distribution (measured phase)", "percentile",
                "end-to-end latency (ms)", SvgChart.XScale.PERCENTILE, SvgChart.YScale.LINEAR)
                .add(new SvgChart.Series("all deliveries", "#1f77b4", LatencyRecorder.spectrum(all)));
        if (cross.getTotalCount() > 0 && cross.getTotalCount() != all.getTotalCount()) {
            chart.add(new SvgChart.Series("cross-replica", "#ff7f0e", LatencyRecorder.spectrum(cross)));
        }
        return chart;
    }

    static SvgChart throughput(String title, List<ProgressDisplay.Row> rows) {
        List<double[]> delivered = new ArrayList<>(), sent = new ArrayList<>();
        for (ProgressDisplay.Row row : rows) {
            delivered.add(new double[] { row.t(), row.deliveredPerSecond() });
            sent.add(new double[] { row.t(), row.sentPerSecond() });
        }
        return phases(new SvgChart(title + ": throughput", "time since start (s)", "messages per second",
                SvgChart.XScale.LINEAR, SvgChart.YScale.LINEAR)
                .add(new SvgChart.Series("delivered/s", "#1f77b4", delivered))
                .add(new SvgChart.Series("published/s", "#9467bd", sent)), rows);
    }

    /** A marker where each phase of the run (connect, warmup, measure, drain…) begins. */
    private static SvgChart phases(SvgChart chart, List<ProgressDisplay.Row> rows) {
        String previous = null;
        double previousT = 0;
        for (ProgressDisplay.Row row : rows) {
            if (!row.phase().equals(previous)) {
                // the row closing an interval carries the phase of that interval: the phase began at the row before
                chart.marker(previous == null ? 0 : previousT, row.phase());
                previous = row.phase();
            }
            previousT = row.t();
        }
        return chart;
    }

    /** The machine, as far as the run can see it. */
    static Map<String, Object> machine() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("cpuModel", firstLine("/proc/cpuinfo", "model name"));
        machine.put("memTotalKiB", memTotal());
        machine.put("kernel", System.getProperty("os.version"));
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("openFilesLimit", openFilesLimit());
        machine.put("loadAverageAtEnd", firstLine("/proc/loadavg", ""));
        return machine;
    }

    /** The soft limit on open files of this process, or -1. */
    static long openFilesLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    return Long.parseLong(line.substring("Max open files".length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    private static long memTotal() {
        String line = firstLine("/proc/meminfo", "MemTotal");
        try {
            return Long.parseLong(line.replaceAll("[^0-9]", ""));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String firstLine(String file, String prefix) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (line.startsWith(prefix)) {
                    int colon = line.indexOf(':');
                    return (colon >= 0 && !prefix.isEmpty() ? line.substring(colon + 1) : line).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return "";
    }
}
