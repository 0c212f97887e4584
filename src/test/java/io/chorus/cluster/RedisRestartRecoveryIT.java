package io.chorus.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * Redis restarted under traffic. With persistence, history survives and the replicas fill their clients' gap from
 * it: every message arrives once, in order. Without, history is gone: clients are told so ({@code gap},
 * {@code recovered: false}) instead of silently missing messages.
 */
class RedisRestartRecoveryIT {

    private static final Duration LONG = Duration.ofSeconds(40);
    private static final String[] FAST_RECONNECT = { "chorus.reconnect.max-delay=500ms" };

    @Test
    void whenHistorySurvivesARedisRestartReplicasFillTheGapAndNothingIsLostOrDoubled() throws Exception {
        int messages = 150;
        try (RedisProcess redis = RedisProcess.startPersistent();
                ReplicaProcess a = ReplicaProcess.start("A", redis.hosts(), FAST_RECONNECT);
                ReplicaProcess b = ReplicaProcess.start("B", redis.hosts(), FAST_RECONNECT);
                TestClient publisher = b.connect("publisher"); TestClient reader = a.connect("reader")) {
            await().atMost(LONG).until(() -> a.isReady() && b.isReady());
            String room = "survives";
            reader.join(room);
            AtomicBoolean restarted = new AtomicBoolean();
            Thread stream = new Thread(() -> {
                for (int i = 0; i < messages; i++) {
                    if (i == messages / 2) {
                        redis.kill();
                        redis.restart();
                        restarted.set(true);
                    }
                    publishUntilAccepted(publisher, room, i);
                }
            });
            stream.start();
            List<Integer> received = new ArrayList<>();
            while (received.size() < messages) {
                JsonNode frame = reader.next(f -> "message".equals(f.path("type").asText())
                        || "gap".equals(f.path("type").asText()), LONG);
                assertEquals("message", frame.get("type").asText(), "history survived: no gap expected");
                received.add(frame.get("payload").asInt());
            }
            stream.join(60_000);
            assertEquals(true, restarted.get());
            assertEquals(IntStream.range(0, messages).boxed().toList(), received, "every message once, in order");
            assertEquals(0, reader.messagesWithin(Duration.ofMillis(700)).size());
        }
    }

    @Test
    void whenHistoryIsLostWithRedisClientsAreToldExplicitly() {
        try (RedisProcess redis = RedisProcess.start();
                ReplicaProcess a = ReplicaProcess.start("A", redis.hosts(), FAST_RECONNECT);
                TestClient reader = a.connect("reader"); TestClient publisher = a.connect("publisher")) {
            String room = "lost";
            reader.join(room);
            publisher.publishTo(room, "\"before\"");
            JsonNode before = reader.next("message");

            redis.kill();
            redis.restart();
            await().atMost(LONG).until(a::isReady);
            publishUntilAccepted(publisher, room, 1);

            JsonNode gap = reader.next(f -> "gap".equals(f.path("type").asText()), LONG);
            assertEquals(room, gap.get("room").asText());
            assertFalse(gap.get("recovered").asBoolean());
            JsonNode after = reader.next("message");
            assertEquals(1, after.get("payload").asInt());
            assertFalse(before.get("epoch").asText().equals(after.get("epoch").asText()), "a new epoch");

            try (TestClient late = a.connect("late")) {
                late.send("{\"type\":\"join\",\"room\":\"" + room + "\",\"since\":{\"offset\":"
                        + before.get("offset").asLong() + ",\"epoch\":\"" + before.get("epoch").asText() + "\"}}");
                assertFalse(late.next("joined").get("recovered").asBoolean(), "an old position is not recoverable");
            }
        }
    }

    /** Publishes message i with a ref and waits for its ack; retries while the backplane refuses it. */
    private static void publishUntilAccepted(TestClient publisher, String room, int i) {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (System.nanoTime() < deadline) {
            publisher.send("{\"type\":\"publish\",\"room\":\"" + room + "\",\"ref\":\"m" + i + "\",\"payload\":" + i + "}");
            JsonNode reply = publisher.next(f -> ("m" + i).equals(f.path("ref").asText()), LONG);
            if ("ack".equals(reply.get("type").asText())) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000_000);
        }
        throw new AssertionError("message " + i + " never accepted");
    }
}
