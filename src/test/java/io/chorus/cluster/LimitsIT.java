package io.chorus.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/** Per-connection and per-replica limits: the offender gets the documented outcome, the others lose nothing. */
class LimitsIT {

    static ReplicaProcess replica;

    @BeforeAll
    static void start() {
        replica = ReplicaProcess.start("limited", null, "chorus.limits.publish-rate=20", "chorus.limits.publish-burst=10",
                "chorus.limits.max-rooms-per-connection=3", "chorus.limits.max-connections=6",
                "chorus.limits.max-connections-per-user=2", "chorus.presence.max-announced=2");
    }

    @AfterAll
    static void stop() {
        if (replica != null) {
            replica.close();
        }
    }

    @Test
    void floodingClientGetsRateLimitedWhileOthersStillPublish() {
        try (TestClient flooder = replica.connect("flooder"); TestClient calm = replica.connect("calm")) {
            for (int i = 0; i < 60; i++) {
                flooder.send("{\"type\":\"publish\",\"ref\":\"f" + i + "\",\"payload\":" + i + "}");
            }
            int acked = 0;
            int limited = 0;
            for (int i = 0; i < 60; i++) {
                String ref = "f" + i;
                JsonNode reply = flooder.next(f -> ref.equals(f.path("ref").asText()), TestClient.TIMEOUT);
                if ("ack".equals(reply.get("type").asText())) {
                    acked++;
                } else {
                    assertEquals("rate_limited", reply.get("code").asText());
                    limited++;
                }
            }
            assertTrue(limited >= 30, "most of a 60-message burst over a burst of 10 is refused: " + limited);
            assertEquals(60, acked + limited);
            calm.publish("\"still fine\"", "c1");
            assertEquals("c1", calm.next("ack").get("ref").asText());
        }
    }

    @Test
    void roomOverTheAnnouncedSizeStopsPushingPresenceButStillListsItsMembers() {
        String room = "crowd";
        try (TestClient a = replica.connect("ann"); TestClient b = replica.connect("ben");
                TestClient c = replica.connect("cid")) {
            a.join(room);
            b.join(room);
            a.next(f -> "member_joined".equals(f.path("type").asText()) && "ben".equals(f.path("user").asText()),
                    TestClient.TIMEOUT); // two users: announced
            c.join(room); // the third: over chorus.presence.max-announced=2
            org.awaitility.Awaitility.await().atMost(TestClient.TIMEOUT).pollInterval(java.time.Duration.ofMillis(300))
                    .until(() -> b.members(room).contains("cid")); // within the command budget: members costs 2
            b.publishTo(room, "\"after cid\""); // travels behind any member_joined the join caused
            List<JsonNode> seen = new ArrayList<>();
            do {
                seen.add(a.next());
            } while (!"after cid".equals(seen.get(seen.size() - 1).path("payload").asText()));
            assertTrue(seen.stream().noneMatch(f -> "cid".equals(f.path("user").asText())), seen.toString());
            assertEquals(java.util.Set.of("ann", "ben", "cid"), b.members(room), "members still lists everyone");
        }
    }

    @Test
    void joiningMoreRoomsThanAllowedGetsTooManyRooms() {
        try (TestClient joiner = replica.connect("joiner")) {
            joiner.join("r1");
            joiner.join("r2");
            joiner.join("r3");
            joiner.join("r3"); // already in: fine
            joiner.send("{\"type\":\"join\",\"room\":\"r4\",\"ref\":\"j4\"}");
            assertEquals("too_many_rooms", joiner.next("error").get("code").asText());
        }
    }

    @Test
    void aUserCannotOpenMoreConnectionsThanAllowedOnAReplica() {
        try (TestClient first = replica.connect("greedy"); TestClient second = replica.connect("greedy")) {
            assertEquals(429, TestClient.upgradeStatus(URI.create(replica.baseUri().toString().replaceFirst("^http", "ws")
                    + "ws?user=greedy"), null));
            first.publish("1", "still-works");
            assertEquals("still-works", first.next("ack").get("ref").asText());
        }
    }

    @Test
    void aFullReplicaRefusesNewConnectionsWith503() {
        List<TestClient> open = new ArrayList<>();
        try {
            int refused = 0;
            for (int i = 0; i < 10 && refused == 0; i++) { // connections of earlier tests may still be closing
                try {
                    open.add(replica.connect("fill-" + i));
                } catch (CompletionException e) {
                    if (!(e.getCause() instanceof WebSocketHandshakeException handshake)) {
                        throw e;
                    }
                    refused = handshake.getResponse().statusCode();
                }
            }
            assertEquals(503, refused, "a full replica says 503");
            assertTrue(open.size() <= 6, "never more than chorus.limits.max-connections: " + open.size());
        } finally {
            open.forEach(TestClient::close);
        }
    }

}
