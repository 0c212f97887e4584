package io.chorus.loadgen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes a run's report into its directory: {@code report.json} (stamped with the machine's load average at the end)
 * and a summary of the sections that matter to the run's log — or, for the multi-process run, {@code report.md}.
 */
final class ReportWriter {

    static final String MARKDOWN = "report.md";

    private final Path dir;
    private final Consumer<String> log;

    ReportWriter(Path dir, Consumer<String> log) {
        this.dir = dir;
        this.log = log;
    }

    /**
     * Writes {@code report.json}, then logs each of {@code summaryKeys} the report has, one line each (a section
     * without its per-second {@code timeline}).
     */
    void writeJson(Report report, List<String> summaryKeys) throws IOException {
        report.section("machine").put("loadAverageAtEnd", Report.machine().get("loadAverageAtEnd"));
        report.writeJson(dir);
        log.accept("---- summary (" + dir.resolve(Report.JSON) + ")");
        for (String key : summaryKeys) {
            Object value = report.root().get(key);
            if (value instanceof Map<?, ?> section) {
                Map<Object, Object> shown = new LinkedHashMap<>(section);
                shown.remove("timeline");
                log.accept(key + ": " + shown);
            } else if (value != null) {
                log.accept(key + ": " + value);
            }
        }
    }

    /** Writes {@code report.md}. */
    void writeMarkdown(String markdown) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(MARKDOWN), markdown);
    }
}
