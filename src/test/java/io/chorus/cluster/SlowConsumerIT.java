package io.chorus.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/** A client that stops reading is cut off with 4008; the others keep receiving everything. */
class SlowConsumerIT {

    private static final int MESSAGES = 1500;

    @Test
    void clientThatStopsReadingIsClosedWith4008WhileOthersReceiveEverything() {
        try (RedisProcess redis = RedisProcess.start();
                ReplicaProcess replica = ReplicaProcess.start("slow", redis.hosts(), "chorus.limits.max-pending-frames=50",
                        "chorus.limits.publish-rate=100000");
                TestClient hung = replica.connect("hung"); TestClient healthy = replica.connect("healthy");
                TestClient publisher = replica.connect("publisher")) {
            hung.stopReading();
            String payload = "\"" + "x".repeat(30_000) + "\"";
            for (int i = 0; i < MESSAGES; i++) {
                publisher.send("{\"type\":\"publish\",\"payload\":{\"i\":" + i + ",\"pad\":" + payload + "}}");
                assertEquals(i, healthy.next("message").get("payload").get("i").asInt(), "the healthy client keeps up");
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> metric(replica, "chorus_slow_consumer_disconnects_total") >= 1);
            hung.resumeReading();
            assertEquals(4008, hung.awaitCloseCode());
        }
    }

    private static double metric(ReplicaProcess replica, String name) {
        Matcher m = Pattern.compile("^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$", Pattern.MULTILINE)
                .matcher(replica.get("/q/metrics"));
        return m.find() ? Double.parseDouble(m.group(2)) : -1;
    }
}
