package io.chorus.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.RawWebSocket;
import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * Frames that reach a connection together leave in one socket write ({@code chorus.delivery.write-delay}), and each
 * is still a whole RFC 6455 text frame, in publish order, read off a raw socket.
 */
class WriteCoalescingIT {

    private static final int BURST = 100;

    @Test
    void framesWithinTheWriteDelayShareFlushesAndArriveWholeAndInOrder() throws IOException {
        try (RedisProcess redis = RedisProcess.start();
                ReplicaProcess replica = ReplicaProcess.start("coalesce", redis.hosts(),
                        "chorus.delivery.write-delay=200ms", "chorus.limits.publish-rate=100000")) {
            Burst burst = publishBurst(replica);
            assertTrue(burst.flushes() * 2 <= burst.delivered(),
                    "frames written within 200 ms share flushes: " + burst.flushes() + " flushes for "
                            + burst.delivered() + " frames");
        }
    }

    @Test
    void withoutAWriteDelayABurstStillArrivesWholeAndInOrder() throws IOException {
        try (RedisProcess redis = RedisProcess.start();
                ReplicaProcess replica = ReplicaProcess.start("prompt", redis.hosts(), "chorus.limits.publish-rate=100000")) {
            Burst burst = publishBurst(replica);
            assertTrue(burst.flushes() <= burst.delivered(),
                    "never more flushes than frames: " + burst.flushes() + " for " + burst.delivered());
        }
    }

    /**
     * Publishes {@link #BURST} messages without waiting between them, reads them off a raw socket (whole text frames,
     * in order), and answers how many frames were delivered and flushed meanwhile.
     */
    private static Burst publishBurst(ReplicaProcess replica) throws IOException {
        try (RawWebSocket raw = new RawWebSocket(replica.baseUri(), "/ws?user=raw");
                TestClient publisher = replica.connect("publisher")) {
            assertEquals("welcome", TestClient.parse(raw.nextText()).get("type").asText());
            double delivered = metric(replica, "chorus_messages_delivered_total");
            double flushes = metric(replica, "chorus_messages_flushes_total");
            for (int i = 0; i < BURST; i++) {
                publisher.send("{\"type\":\"publish\",\"payload\":{\"i\":" + i + "}}");
            }
            int expected = 0;
            while (expected < BURST) {
                JsonNode frame = TestClient.parse(raw.nextText());
                if ("message".equals(frame.get("type").asText())) {
                    assertEquals(expected, frame.get("payload").get("i").asInt(), "messages arrive in publish order");
                    expected++;
                }
            }
            for (int i = 0; i < BURST; i++) {
                assertEquals(i, publisher.next("message").get("payload").get("i").asInt());
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> metric(replica, "chorus_messages_delivered_total") - delivered >= 2 * BURST);
            return new Burst(metric(replica, "chorus_messages_delivered_total") - delivered,
                    metric(replica, "chorus_messages_flushes_total") - flushes);
        }
    }

    private record Burst(double delivered, double flushes) {
    }

    private static double metric(ReplicaProcess replica, String name) {
        Matcher m = Pattern.compile("^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$", Pattern.MULTILINE)
                .matcher(replica.get("/q/metrics"));
        return m.find() ? Double.parseDouble(m.group(2)) : -1;
    }
}
