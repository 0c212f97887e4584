package io.chorus.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * Frames are encoded once into pooled direct memory and given back when their last write is done. A replica running
 * Netty's leak detector at its strictest (every buffer tracked) delivers room messages, broadcasts and replays to
 * joiners, is made to collect its garbage (which is when a buffer nobody released is found) and delivers again (which
 * is when the detector reports it): its log has no leak, and no buffer was used after it was given back.
 */
class FrameBytesIT {

    private static final int MESSAGES = 60;

    @Test
    void everyFrameGivesItsBytesBackWhicheverWayItWasDelivered() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
                ReplicaProcess replica = ReplicaProcess.start("r1", redis.hosts(),
                        List.of("-Xmx256m", "-Dio.netty.leakDetection.level=paranoid"));
                TestClient writer = replica.connect("writer"); TestClient reader = replica.connect("reader")) {
            String room = "pooled";
            writer.join(room);
            reader.join(room);
            for (int round = 0; round < 3; round++) {
                JsonNode first = null;
                for (int i = 0; i < MESSAGES; i++) {
                    writer.publishTo(room, Integer.toString(i));
                    writer.publish(Integer.toString(i), "b" + round + "-" + i);
                }
                for (int i = 0; i < MESSAGES; i++) {
                    JsonNode message = reader.next(f -> "message".equals(f.path("type").asText())
                            && room.equals(f.path("room").asText()), TestClient.TIMEOUT);
                    assertEquals(i, message.get("payload").asInt());
                    first = first == null ? message : first;
                }
                try (TestClient joiner = replica.connect("joiner-" + round)) { // replays what the round published
                    joiner.send("{\"type\":\"join\",\"room\":\"" + room + "\",\"since\":{\"offset\":"
                            + (first.get("offset").asLong() - 1) + ",\"epoch\":\"" + first.get("epoch").asText()
                            + "\"}}");
                    assertTrue(joiner.next("joined").get("recovered").asBoolean());
                    for (int i = 0; i < MESSAGES; i++) {
                        assertEquals(i, joiner.next("message").get("payload").asInt());
                    }
                }
                collectGarbage(replica); // the next round's writes report what this one left unreleased
            }
            writer.publishTo(room, "\"last\"");
            assertEquals("last", reader.next(f -> "message".equals(f.path("type").asText())
                    && room.equals(f.path("room").asText()), TestClient.TIMEOUT)
                    .get("payload").asText());
            String log = replica.log();
            assertFalse(log.contains("LEAK:"), log);
            assertFalse(log.contains("IllegalReferenceCount"), log);
        }
    }

    private static void collectGarbage(ReplicaProcess replica) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(ReplicaProcess.jdkTool("jcmd"), Long.toString(replica.pid()), "GC.run")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(jcmd.waitFor(30, TimeUnit.SECONDS), "jcmd GC.run");
        assertEquals(0, jcmd.exitValue(), "jcmd GC.run");
    }
}
