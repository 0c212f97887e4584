package io.chorus.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaCluster;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * Room publishes that are pending together on a replica go to Redis as one script call
 * ({@code history_publish_batch.lua}): with real Redis and two real replicas, a burst from many clients at once is
 * delivered exactly once, in each room's publish order, with consecutive offsets, on both replicas; and a batch whose
 * Redis call fails fails every one of its publishes with {@code backplane_unavailable}.
 */
class RoomBurstsIT {

    private static final Duration QUIET = Duration.ofMillis(700);
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final int ROOMS = 4;
    private static final int PUBLISHERS_PER_REPLICA = 3;
    private static final int MESSAGES_EACH = 25;
    private static final int PER_ROOM = 2 * PUBLISHERS_PER_REPLICA * MESSAGES_EACH;

    private record Sender(String room, String name, TestClient client) {
    }

    @Test
    void roomMessagesPublishedTogetherArriveOnceInPublishOrderWithConsecutiveOffsetsOnBothReplicas() {
        try (ReplicaCluster cluster = ReplicaCluster.start(List.of("A", "B"), "chorus.limits.publish-burst=10000",
                "chorus.history.publish-window=20ms")) {
            ReplicaProcess a = cluster.replica("A");
            ReplicaProcess b = cluster.replica("B");
            List<TestClient> all = new ArrayList<>();
            try {
                Map<String, List<TestClient>> listeners = new LinkedHashMap<>();
                List<Sender> senders = new ArrayList<>();
                for (int r = 0; r < ROOMS; r++) {
                    String room = "burst-" + r + "-" + UUID.randomUUID().toString().substring(0, 6);
                    List<TestClient> roomListeners = new ArrayList<>();
                    for (ReplicaProcess replica : List.of(a, b)) {
                        TestClient listener = replica.connect("listen-" + replica.id() + r);
                        all.add(listener);
                        listener.join(room);
                        roomListeners.add(listener);
                        for (int p = 0; p < PUBLISHERS_PER_REPLICA; p++) {
                            String name = "pub-" + replica.id() + p + "-" + r;
                            TestClient sender = replica.connect(name);
                            all.add(sender);
                            sender.join(room);
                            senders.add(new Sender(room, name, sender));
                        }
                    }
                    listeners.put(room, roomListeners);
                }
                long scriptsBefore = evalCalls(cluster.redis());

                for (int n = 0; n < MESSAGES_EACH; n++) {
                    for (Sender sender : senders) {
                        sender.client().send("{\"type\":\"publish\",\"room\":\"" + sender.room() + "\",\"ref\":\""
                                + sender.name() + "-" + n + "\",\"payload\":{\"p\":\"" + sender.name() + "\",\"n\":" + n
                                + "}}");
                    }
                }

                Map<String, Long> offsetOfId = new HashMap<>();
                for (Map.Entry<String, List<TestClient>> room : listeners.entrySet()) {
                    List<String> firstSeen = null;
                    for (TestClient listener : room.getValue()) {
                        List<String> ids = receivedInOrder(room.getKey(), listener, offsetOfId);
                        if (firstSeen == null) {
                            firstSeen = ids;
                        } else {
                            assertEquals(firstSeen, ids, "both replicas deliver the room's messages in one order");
                        }
                    }
                }
                for (Sender sender : senders) {
                    Map<String, JsonNode> acks = new HashMap<>();
                    int messages = 0;
                    while (acks.size() < MESSAGES_EACH || messages < PER_ROOM) {
                        JsonNode frame = sender.client().next(LONG);
                        String type = frame.path("type").asText();
                        if (type.equals("ack")) {
                            acks.put(frame.get("ref").asText(), frame);
                        } else if (type.equals("message")) {
                            messages++;
                        } else if (!type.startsWith("member_")) {
                            throw new AssertionError(sender.name() + " got " + frame);
                        }
                    }
                    for (int n = 0; n < MESSAGES_EACH; n++) {
                        JsonNode ack = acks.get(sender.name() + "-" + n);
                        assertEquals(offsetOfId.get(ack.path("id").asText()), ack.path("position").path("offset").asLong(),
                                "the ack's offset is the one the message was delivered with: " + ack);
                    }
                    assertEquals(List.of(), sender.client().messagesWithin(Duration.ofMillis(50)));
                }
                long scripts = evalCalls(cluster.redis()) - scriptsBefore;
                int published = ROOMS * PER_ROOM;
                assertTrue(scripts < published / 2, "publishes pending together share script calls: " + scripts
                        + " calls for " + published + " messages");
            } finally {
                all.forEach(TestClient::close);
            }
        }
    }

    /**
     * The room's messages as one listener gets them: every one exactly once (then nothing more within a quiet
     * window), offsets 1, 2, 3… in arrival order in one epoch, each sender's in the order it sent them. Returns the
     * ids in arrival order.
     */
    private static List<String> receivedInOrder(String room, TestClient listener, Map<String, Long> offsetOfId) {
        List<String> ids = new ArrayList<>();
        Map<String, Integer> lastBySender = new HashMap<>();
        String epoch = null;
        while (ids.size() < PER_ROOM) {
            JsonNode message = listener.next(f -> "message".equals(f.path("type").asText()), LONG);
            assertEquals(room, message.get("room").asText());
            assertEquals(ids.size() + 1, message.get("offset").asLong(), "consecutive offsets: " + message);
            if (epoch == null) {
                epoch = message.get("epoch").asText();
            }
            assertEquals(epoch, message.get("epoch").asText());
            String sender = message.get("payload").get("p").asText();
            int n = message.get("payload").get("n").asInt();
            assertEquals(lastBySender.getOrDefault(sender, -1) + 1, n, "each sender's messages in its order");
            lastBySender.put(sender, n);
            String id = message.get("id").asText();
            ids.add(id);
            Long known = offsetOfId.putIfAbsent(id, message.get("offset").asLong());
            assertTrue(known == null || known == message.get("offset").asLong());
        }
        assertEquals(2 * PUBLISHERS_PER_REPLICA, lastBySender.size());
        assertEquals(PER_ROOM, new HashSet<>(ids).size(), "no duplicates");
        assertEquals(List.of(), listener.messagesWithin(QUIET), "exactly once");
        return ids;
    }

    @Test
    void everyPublishOfABatchWhoseRedisCallFailsGetsBackplaneUnavailable() {
        String room = "fails-" + UUID.randomUUID().toString().substring(0, 6);
        try (RedisProcess redis = RedisProcess.start();
                ReplicaProcess a = ReplicaProcess.start("A", redis.hosts(), "chorus.reconnect.max-delay=1s",
                        "chorus.history.publish-window=20ms");
                ReplicaProcess b = ReplicaProcess.start("B", redis.hosts(), "chorus.reconnect.max-delay=1s")) {
            await().atMost(LONG).until(() -> a.isReady() && b.isReady());
            List<TestClient> senders = new ArrayList<>();
            try (TestClient listener = b.connect("listener")) {
                listener.join(room);
                for (int i = 0; i < 12; i++) {
                    TestClient sender = a.connect("s" + i);
                    senders.add(sender);
                    sender.join(room);
                }
                redis.suspend();
                for (int i = 0; i < senders.size(); i++) {
                    senders.get(i).send("{\"type\":\"publish\",\"room\":\"" + room + "\",\"ref\":\"r" + i
                            + "\",\"payload\":" + i + "}");
                }
                for (TestClient sender : senders) {
                    assertTrue(sender.framesWithin(Duration.ofMillis(100)).stream().noneMatch(f -> f.has("ref")),
                            "nothing is answered while Redis is stopped");
                }
                redis.kill();

                Set<String> failed = new HashSet<>();
                for (int i = 0; i < senders.size(); i++) {
                    String ref = "r" + i;
                    JsonNode reply = senders.get(i).next(f -> ref.equals(f.path("ref").asText()), LONG);
                    assertEquals("error", reply.get("type").asText(), "no ack without Redis: " + reply);
                    assertEquals("backplane_unavailable", reply.get("code").asText());
                    failed.add(ref);
                }
                assertEquals(senders.size(), failed.size(), "each publish fails on its own");
                for (TestClient sender : senders) {
                    assertTrue(sender.framesWithin(QUIET).stream().noneMatch(f -> f.has("ref")),
                            "one answer per publish");
                }
                assertEquals(List.of(), listener.messagesWithin(QUIET), "nothing went out");

                redis.restart();
                await().atMost(LONG).until(() -> a.isReady() && b.isReady());
                for (int i = 0; i < senders.size(); i++) {
                    senders.get(i).send("{\"type\":\"publish\",\"room\":\"" + room + "\",\"ref\":\"again" + i
                            + "\",\"payload\":" + i + "}");
                }
                for (int i = 0; i < senders.size(); i++) {
                    String ref = "again" + i;
                    JsonNode reply = senders.get(i).next(f -> ref.equals(f.path("ref").asText()), LONG);
                    assertEquals("ack", reply.get("type").asText(), "batches go again once Redis is back: " + reply);
                }
                Set<Long> offsets = new HashSet<>();
                for (int i = 0; i < senders.size(); i++) {
                    offsets.add(listener.next("message").get("offset").asLong());
                }
                assertEquals(senders.size(), offsets.size());
            } finally {
                senders.forEach(TestClient::close);
            }
        }
    }

    /** Script calls Redis has run ({@code EVALSHA} and {@code EVAL}, from INFO commandstats). */
    private static long evalCalls(RedisProcess redis) {
        long calls = 0;
        for (String line : redis.info("commandstats").split("\r\n")) {
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                int start = line.indexOf("calls=") + "calls=".length();
                calls += Long.parseLong(line.substring(start, line.indexOf(',', start)));
            }
        }
        return calls;
    }
}
