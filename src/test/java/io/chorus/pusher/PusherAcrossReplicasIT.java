package io.chorus.pusher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chorus.testing.PusherTestSocket;
import io.chorus.testing.ReplicaCluster;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * The Pusher protocol across two replica processes on one Redis, spoken from the JVM ({@link PusherTestSocket}), so
 * it needs no Node: client events, presence and native messages cross replicas. {@code PusherClientsIT} runs the
 * same with the real pusher-js when the npm packages are installed.
 */
class PusherAcrossReplicasIT {

    private static final String KEY = "across-key";
    private static final String SECRET = "across-secret";
    private static final Duration QUIET = Duration.ofMillis(700);
    private static final ObjectMapper JSON = new ObjectMapper();

    static ReplicaCluster cluster;
    static ReplicaProcess a;
    static ReplicaProcess b;

    @BeforeAll
    static void startCluster() {
        cluster = ReplicaCluster.start(List.of("A", "B"), "chorus.pusher.apps.across.id=4004",
                "chorus.pusher.apps.across.key=" + KEY, "chorus.pusher.apps.across.secret=" + SECRET,
                "chorus.pusher.apps.across.native-rooms=true", "chorus.pusher.apps.across.public-rooms=*",
                "chorus.pusher.apps.across.client-events=true");
        a = cluster.replica("A");
        b = cluster.replica("B");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String channel(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 8);
    }

    private static JsonNode dataOf(JsonNode event) {
        return TestClient.parse(event.get("data").asText());
    }

    @Test
    void clientEventReachesTheSubscriberOnTheOtherReplicaOnceAndNotTheSender() {
        String channel = channel("private-");
        try (PusherTestSocket onA = PusherTestSocket.connect(a.baseUri(), KEY);
                PusherTestSocket onB = PusherTestSocket.connect(b.baseUri(), KEY)) {
            for (PusherTestSocket socket : List.of(onA, onB)) {
                socket.subscribe(channel, SECRET, null);
                assertEquals("pusher_internal:subscription_succeeded", socket.subscriptionAnswer(channel)
                        .get("event").asText());
            }
            onA.trigger(channel, "client-move", JSON.createObjectNode().put("x", 3));
            assertEquals(3, dataOf(onB.next("client-move", channel)).get("x").asInt());
            List<JsonNode> more = onB.framesWithin(QUIET);
            assertTrue(more.isEmpty(), "exactly once: " + more);
            List<JsonNode> senderSaw = onA.framesWithin(Duration.ofMillis(50));
            assertTrue(senderSaw.isEmpty(), "the sender gets no copy: " + senderSaw);
        }
    }

    @Test
    void presenceMembersOnBothReplicasSeeEachOther() {
        String channel = channel("presence-");
        try (PusherTestSocket alice = PusherTestSocket.connect(a.baseUri(), KEY);
                PusherTestSocket bob = PusherTestSocket.connect(b.baseUri(), KEY)) {
            alice.subscribe(channel, SECRET, "{\"user_id\":\"alice\"}");
            alice.subscriptionAnswer(channel);
            bob.subscribe(channel, SECRET, "{\"user_id\":\"bob\",\"user_info\":{\"name\":\"Bob\"}}");
            JsonNode presence = dataOf(bob.subscriptionAnswer(channel)).get("presence");
            assertEquals(2, presence.get("count").asInt(), presence.toString());
            JsonNode added = dataOf(alice.next("pusher_internal:member_added", channel));
            assertEquals("bob", added.get("user_id").asText());
            assertEquals("Bob", added.get("user_info").get("name").asText());
            bob.close();
            assertEquals("bob", dataOf(alice.next("pusher_internal:member_removed", channel)).get("user_id").asText());
        }
    }

    @Test
    void nativeMessageOnOneReplicaReachesThePusherSubscriberOnTheOther() {
        String room = channel("interop-");
        try (PusherTestSocket onA = PusherTestSocket.connect(a.baseUri(), KEY); TestClient nativeOnB = b.connect("nina")) {
            onA.subscribe(room);
            onA.subscriptionAnswer(room);
            nativeOnB.publishTo(room, "{\"event\":\"greeting\",\"data\":{\"text\":\"hi\"}}");
            assertEquals("hi", dataOf(onA.next("greeting", room)).get("text").asText());
            List<JsonNode> more = onA.framesWithin(QUIET);
            assertTrue(more.isEmpty(), "exactly once: " + more);
        }
    }
}
