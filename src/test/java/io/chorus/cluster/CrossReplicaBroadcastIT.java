package io.chorus.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.ReplicaCluster;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * The seed's third scenario with real processes: two replicas of the packaged application on one Redis, u1 and u2
 * on replica A, u4 and u5 on replica B.
 */
class CrossReplicaBroadcastIT {

    private static final Duration QUIET = Duration.ofMillis(700);

    static ReplicaCluster cluster;
    static ReplicaProcess a;
    static ReplicaProcess b;

    @BeforeAll
    static void startCluster() {
        cluster = ReplicaCluster.start(List.of("A", "B"));
        a = cluster.replica("A");
        b = cluster.replica("B");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void messageFromReplicaAReachesClientsOnReplicaB() {
        try (TestClient u1 = a.connect("u1"); TestClient u4 = b.connect("u4"); TestClient u5 = b.connect("u5")) {
            assertEquals("A", u1.welcome().get("replica").asText());
            assertEquals("B", u4.welcome().get("replica").asText());
            u1.publish("{\"text\":\"hi from u1\"}", "r1");
            for (TestClient receiver : List.of(u4, u5)) {
                JsonNode message = receiver.next("message");
                assertEquals("hi from u1", message.get("payload").get("text").asText());
                assertEquals("u1", message.get("from").asText());
                assertEquals("A", message.get("replica").asText());
            }
        }
    }

    @Test
    void everyMessageFromAnyClientReachesAllFourClientsExactlyOnceInOneOrder() {
        try (TestClient u1 = a.connect("u1"); TestClient u2 = a.connect("u2");
                TestClient u4 = b.connect("u4"); TestClient u5 = b.connect("u5")) {
            Map<String, TestClient> clients = Map.of("u1", u1, "u2", u2, "u4", u4, "u5", u5);
            int perClient = 25;
            for (int i = 0; i < perClient; i++) {
                for (var sender : clients.entrySet()) {
                    sender.getValue().send("{\"type\":\"publish\",\"payload\":\"" + sender.getKey() + "-" + i + "\"}");
                }
            }
            int expected = perClient * clients.size();
            List<String> reference = null;
            for (var receiver : clients.entrySet()) {
                List<String> payloads = new ArrayList<>();
                for (int i = 0; i < expected; i++) {
                    payloads.add(receiver.getValue().next("message").get("payload").asText());
                }
                assertEquals(0, receiver.getValue().messagesWithin(QUIET).size(), "no duplicates for " + receiver.getKey());
                Set<String> distinct = new HashSet<>(payloads);
                assertEquals(expected, distinct.size(), "every message once for " + receiver.getKey());
                if (reference == null) {
                    reference = payloads;
                } else {
                    assertEquals(reference, payloads, "one order on every replica: " + receiver.getKey());
                }
            }
        }
    }

    @Test
    void senderOnReplicaBReceivesItsOwnMessageOnceThroughRedis() {
        try (TestClient u4 = b.connect("u4")) {
            u4.publish("\"echo\"", "r4");
            assertEquals("echo", u4.next("message").get("payload").asText());
            assertEquals(0, u4.messagesWithin(QUIET).size());
        }
    }

    @Test
    void messageIdsAreUniqueAcrossReplicas() {
        try (TestClient u1 = a.connect("u1"); TestClient u4 = b.connect("u4"); TestClient reader = a.connect("reader")) {
            for (int i = 0; i < 20; i++) {
                u1.send("{\"type\":\"publish\",\"payload\":1}");
                u4.send("{\"type\":\"publish\",\"payload\":2}");
            }
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 40; i++) {
                ids.add(reader.next("message").get("id").asText());
            }
            assertEquals(40, ids.size());
        }
    }
}
