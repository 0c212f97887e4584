package io.chorus.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * The seed's second scenario, as contrast: with no Redis configured each replica runs on the embedded in-process
 * backplane, serves its own clients, and cannot reach the other replica's.
 */
class EmbeddedBackplaneIT {

    static ReplicaProcess one;
    static ReplicaProcess two;

    @BeforeAll
    static void startTwoStandaloneReplicas() {
        one = ReplicaProcess.start("one", null);
        two = ReplicaProcess.start("two", null);
    }

    @AfterAll
    static void stop() {
        if (one != null) {
            one.close();
        }
        if (two != null) {
            two.close();
        }
    }

    @Test
    void replicaWithoutRedisSaysInItsLogThatItRunsOnTheEmbeddedBackplane() {
        assertTrue(one.log().contains("embedded in-process backplane"), one.log());
        assertTrue(one.isReady(), "a standalone replica is ready");
    }

    @Test
    void clientsOnOneStandaloneReplicaStillTalkToEachOther() {
        try (TestClient u1 = one.connect("u1"); TestClient u3 = one.connect("u3")) {
            u1.publish("\"local\"", "r");
            assertEquals("local", u3.next("message").get("payload").asText());
        }
    }

    @Test
    void replicasOnTheEmbeddedBackplaneDoNotSeeEachOthersMessages() {
        try (TestClient u1 = one.connect("u1"); TestClient u2 = two.connect("u2")) {
            u1.publish("\"only on one\"", "r");
            assertEquals("only on one", u1.next("message").get("payload").asText());
            assertEquals(0, u2.messagesWithin(Duration.ofSeconds(1)).size(), "u2 on replica two never hears u1");
        }
    }
}
