package io.chorus.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * The packaged replica's logs: readable lines by default, one JSON object a line when
 * {@code quarkus.log.console.json.enabled=true}, and the replica id in every line either way.
 */
class JsonLogsIT {

    @Test
    void jsonLogsCarryTheReplicaIdInEveryLine() {
        List<String> lines;
        try (ReplicaProcess replica = ReplicaProcess.start("json-r1", null, "quarkus.log.console.json.enabled=true")) {
            replica.terminate(Duration.ofSeconds(20)); // shutdown lines too
            lines = logLines(replica);
        }
        List<String> json = lines.stream().filter(line -> line.startsWith("{")).toList();
        assertFalse(json.isEmpty(), "no JSON log line in:\n" + String.join("\n", lines));
        for (String line : json) {
            JsonNode record = TestClient.parse(line);
            assertEquals("json-r1", record.path("replica").asText(), "no replica field in " + line);
            assertTrue(record.hasNonNull("message") && record.hasNonNull("level"), line);
        }
    }

    @Test
    void consoleLogsAreReadableByDefaultAndNameTheReplica() {
        List<String> lines;
        try (ReplicaProcess replica = ReplicaProcess.start("plain-r1", null)) {
            lines = logLines(replica);
        }
        List<String> records = lines.stream().filter(line -> line.matches("^\\d\\d:\\d\\d:\\d\\d,\\d{3} .*")).toList();
        assertFalse(records.isEmpty(), "no log line in:\n" + String.join("\n", lines));
        assertTrue(lines.stream().noneMatch(line -> line.startsWith("{")), "JSON logs are off by default");
        records.forEach(line -> assertTrue(line.contains("[replica=plain-r1]"), line));
    }

    private static List<String> logLines(ReplicaProcess replica) {
        return replica.log().lines().filter(line -> !line.isBlank()).toList();
    }
}
