package io.chorus.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * A replica dies (SIGKILL) in the middle of a steady stream; its client reconnects to the other replica with its
 * last position and ends up with every message exactly once, in order.
 */
class FailoverRecoveryIT {

    private static final int MESSAGES = 400;

    @Test
    void clientOfAKilledReplicaRecoversEveryMessageExactlyOnceInOrderOnTheOtherReplica() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
                ReplicaProcess doomed = ReplicaProcess.start("doomed", redis.hosts());
                ReplicaProcess survivor = ReplicaProcess.start("survivor", redis.hosts());
                TestClient publisher = survivor.connect("publisher")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> doomed.isReady() && survivor.isReady());
            String room = "failover";
            List<Integer> received = new ArrayList<>();
            JsonNode last;
            TestClient reader = doomed.connect("reader");
            reader.join(room);
            Thread stream = new Thread(() -> {
                for (int i = 0; i < MESSAGES; i++) {
                    publisher.publishTo(room, Integer.toString(i));
                    LockSupport.parkNanos(3_000_000);
                }
            });
            stream.start();
            last = null;
            for (int i = 0; i < MESSAGES / 4; i++) {
                last = reader.next("message");
                received.add(last.get("payload").asInt());
            }
            doomed.kill();
            for (JsonNode frame : reader.drain()) { // whatever made it out before the kill
                if ("message".equals(frame.path("type").asText())) {
                    last = frame;
                    received.add(frame.get("payload").asInt());
                }
            }
            try (TestClient back = survivor.connect("reader")) {
                back.send("{\"type\":\"join\",\"room\":\"" + room + "\",\"since\":{\"offset\":"
                        + last.get("offset").asLong() + ",\"epoch\":\"" + last.get("epoch").asText() + "\"}}");
                JsonNode joined = back.next("joined");
                assertEquals(true, joined.get("recovered").asBoolean(), joined.toString());
                while (received.size() < MESSAGES) {
                    received.add(back.next("message").get("payload").asInt());
                }
                assertEquals(0, back.messagesWithin(Duration.ofMillis(700)).size(), "nothing twice");
            }
            stream.join(30_000);
            assertEquals(IntStream.range(0, MESSAGES).boxed().toList(), received, "every message once, in order");
        }
    }
}
