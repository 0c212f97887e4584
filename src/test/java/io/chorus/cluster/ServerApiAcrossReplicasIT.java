package io.chorus.cluster;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.ReplicaCluster;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** The server API called on one replica acts on clients connected to another. */
class ServerApiAcrossReplicasIT {

    private static final String KEY = "cluster-api-key";

    static ReplicaCluster cluster;
    static ReplicaProcess a;
    static ReplicaProcess b;

    @BeforeAll
    static void startCluster() {
        cluster = ReplicaCluster.start(List.of("A", "B"), "chorus.api.key=" + KEY);
        a = cluster.replica("A");
        b = cluster.replica("B");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static RequestSpecification apiOf(ReplicaProcess replica) {
        return given().baseUri(replica.baseUri().toString()).header("Authorization", "Bearer " + KEY)
                .contentType(ContentType.JSON);
    }

    @Test
    void roomMessagePublishedThroughReplicaBReachesMembersOnReplicaA() {
        String room = "ops-" + UUID.randomUUID().toString().substring(0, 8);
        try (TestClient onA = a.connect("alice")) {
            onA.join(room);
            apiOf(b).body("{\"payload\":{\"alert\":\"deploy\"}}").when().post("/api/rooms/" + room + "/messages")
                    .then().statusCode(202);
            JsonNode message = onA.next("message");
            assertEquals("deploy", message.get("payload").get("alert").asText());
            assertEquals("B", message.get("replica").asText(), "published on B");
        }
    }

    @Test
    void userConnectedOnBothReplicasGetsAMessageSentThroughEitherOnEachConnection() {
        String user = "roamer-" + UUID.randomUUID().toString().substring(0, 6);
        try (TestClient onA = a.connect(user); TestClient onB = b.connect(user)) {
            apiOf(a).body("{\"payload\":\"ping\"}").when().post("/api/users/" + user + "/messages").then().statusCode(202);
            assertEquals("ping", onA.next("message").get("payload").asText());
            assertEquals("ping", onB.next("message").get("payload").asText());
        }
    }

    @Test
    void presenceReadOnBListsMembersConnectedToA() {
        String room = "hall-" + UUID.randomUUID().toString().substring(0, 8);
        try (TestClient onA = a.connect("ann")) {
            onA.join(room);
            apiOf(b).when().get("/api/rooms/" + room + "/members")
                    .then().statusCode(200).body("count", equalTo(1)).body("users", hasItem("ann"));
        }
    }

    @Test
    void disconnectCalledOnBClosesTheUsersConnectionsOnAAndOnB() {
        String user = "banned-" + UUID.randomUUID().toString().substring(0, 6);
        try (TestClient onA = a.connect(user); TestClient onB = b.connect(user); TestClient other = a.connect("other")) {
            apiOf(b).when().delete("/api/users/" + user + "/connections").then().statusCode(202);
            assertEquals(4005, onA.awaitCloseCode());
            assertEquals(4005, onB.awaitCloseCode());
            other.publish("\"unaffected\"", "o");
            assertEquals("o", other.next("ack").get("ref").asText());
            assertFalse(other.isClosed());
        }
    }
}
