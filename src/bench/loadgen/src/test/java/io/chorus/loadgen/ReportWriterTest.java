package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class ReportWriterTest {

    @TempDir
    Path dir;

    @Test
    void theJsonKeepsItsSectionsInOrderAndTheSummaryLeavesTimelinesOut() throws Exception {
        Report report = new Report();
        report.put("scenario", "reconnect");
        report.section("storm").put("back", 500);
        report.section("storm").put("timeline", List.of(Map.of("t", 0.25)));
        report.put("highestSustainableRate", 40.0);
        List<String> log = new ArrayList<>();

        new ReportWriter(dir, log::add).writeJson(report, List.of("storm", "missing", "highestSustainableRate"));

        JsonNode json = new ObjectMapper().readTree(dir.resolve(Report.JSON).toFile());
        assertEquals(List.of("scenario", "storm", "highestSustainableRate", "machine"),
                List.copyOf(iterable(json.fieldNames())));
        assertEquals(500, json.get("storm").get("back").asInt());
        assertEquals(0.25, json.get("storm").get("timeline").get(0).get("t").asDouble(), "the file keeps the timeline");
        assertTrue(json.get("machine").has("loadAverageAtEnd"));
        assertEquals(List.of("---- summary (" + dir.resolve(Report.JSON) + ")", "storm: {back=500}",
                "highestSustainableRate: 40.0"), log);
    }

    @Test
    void theMarkdownReportReplacesTheOneBefore() throws Exception {
        ReportWriter writer = new ReportWriter(dir, line -> { });
        writer.writeMarkdown("(partial: written after phase 1)\n");

        writer.writeMarkdown("| phase |\n");

        assertEquals("| phase |\n", Files.readString(dir.resolve(ReportWriter.MARKDOWN)));
    }

    private static <T> List<T> iterable(java.util.Iterator<T> iterator) {
        List<T> all = new ArrayList<>();
        iterator.forEachRemaining(all::add);
        return all;
    }
}
