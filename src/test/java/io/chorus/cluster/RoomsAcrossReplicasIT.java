package io.chorus.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaCluster;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/** Rooms, direct messages and presence with three real replicas on one Redis. */
class RoomsAcrossReplicasIT {

    private static final Duration QUIET = Duration.ofMillis(700);

    static ReplicaCluster cluster;
    static RedisProcess redis;
    static ReplicaProcess a;
    static ReplicaProcess b;
    static ReplicaProcess c;

    @BeforeAll
    static void startCluster() {
        // the churn test keeps 250 rooms a connection, and sends 1750 joins and leaves a connection at once
        cluster = ReplicaCluster.start(List.of("A", "B", "C"), "chorus.limits.max-rooms-per-connection=1000",
                "chorus.limits.publish-burst=10000");
        redis = cluster.redis();
        a = cluster.replica("A");
        b = cluster.replica("B");
        c = cluster.replica("C");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String room() {
        return "room-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void roomMessageReachesMembersOnEveryReplicaOnceAndNobodyElse() {
        String room = room();
        try (TestClient onA = a.connect("ann"); TestClient onB = b.connect("ben");
                TestClient outsiderOnA = a.connect("out-a"); TestClient outsiderOnC = c.connect("out-c")) {
            onA.join(room);
            onB.join(room);
            onB.publishTo(room, "\"from B\"");
            for (TestClient member : List.of(onA, onB)) {
                JsonNode message = member.next("message");
                assertEquals("from B", message.get("payload").asText());
                assertEquals("B", message.get("replica").asText());
            }
            for (TestClient member : List.of(onA, onB)) {
                assertEquals(List.of(), member.messagesWithin(QUIET), "exactly one delivery");
            }
            assertEquals(0, outsiderOnA.messagesWithin(QUIET).size());
            assertEquals(0, outsiderOnC.messagesWithin(Duration.ofMillis(50)).size());
        }
    }

    @Test
    void replicaWithNoMemberOfARoomReceivesNoneOfItsTraffic() {
        String room = room();
        try (TestClient onA = a.connect("ann"); TestClient onB = b.connect("ben"); TestClient idleOnC = c.connect("cid")) {
            onA.join(room);
            onB.join(room);
            assertEquals("2", numsub(room), "exactly the two replicas with members subscribe");
            long cBefore = receivedBy(c);
            for (int i = 0; i < 50; i++) {
                onA.publishTo(room, Integer.toString(i));
            }
            for (int i = 0; i < 50; i++) {
                onB.next("message");
            }
            assertEquals(cBefore, receivedBy(c), "replica C received none of the room's 50 messages");
            assertTrue(receivedBy(b) >= 50);
        }
    }

    @Test
    void directMessageReachesEveryConnectionOfTheUserAcrossReplicasAndNobodyElse() {
        try (TestClient sender = c.connect("sam"); TestClient phoneOnA = a.connect("dora");
                TestClient laptopOnB = b.connect("dora"); TestClient otherOnA = a.connect("eve")) {
            sender.direct("dora", "\"secret\"");
            for (TestClient device : List.of(phoneOnA, laptopOnB)) {
                JsonNode message = device.next("message");
                assertEquals("secret", message.get("payload").asText());
                assertEquals("dora", message.get("to").asText());
            }
            for (TestClient device : List.of(phoneOnA, laptopOnB)) {
                assertEquals(List.of(), device.messagesWithin(QUIET), "once per connection");
            }
            assertEquals(0, otherOnA.messagesWithin(Duration.ofMillis(50)).size());
            assertEquals(0, sender.messagesWithin(Duration.ofMillis(50)).size());
        }
    }

    @Test
    void presenceAgreesOnEveryReplica() {
        String room = room();
        try (TestClient onA = a.connect("ann"); TestClient onB = b.connect("ben"); TestClient onC = c.connect("cat");
                TestClient secondTabOnC = c.connect("ann")) {
            onA.join(room);
            onB.join(room);
            onC.join(room);
            secondTabOnC.join(room);
            Set<String> expected = Set.of("ann", "ben", "cat");
            // joined comes after the presence record (docs/protocol.md): no waiting
            assertEquals(expected, onA.members(room));
            assertEquals(expected, onB.members(room));
            assertEquals(expected, onC.members(room));
        }
    }

    @Test
    void aJoinAnsweredOnOneReplicaIsListedInMembersOnEveryOther() {
        // joined comes after the presence record: whoever hears of the join, anywhere, finds the member listed
        try (TestClient onA = a.connect("ann"); TestClient onB = b.connect("ben")) {
            for (int i = 0; i < 40; i++) {
                String room = room();
                TestClient joiner = i % 2 == 0 ? onA : onB;
                TestClient asker = i % 2 == 0 ? onB : onA;
                joiner.join(room);
                Set<String> members = asker.members(room);
                assertTrue(members.contains(i % 2 == 0 ? "ann" : "ben"), "join " + i + " in " + room
                        + " was answered, yet the other replica lists only " + members);
            }
        }
    }

    @Test
    void aConnectionWelcomedOnOneReplicaIsOnlineOnEveryOther() {
        // the welcome comes after the online record: whoever hears of the connection finds its user online
        try (TestClient askerOnA = a.connect("asker-a"); TestClient askerOnB = b.connect("asker-b")) {
            for (int i = 0; i < 30; i++) {
                String user = "newcomer-" + UUID.randomUUID().toString().substring(0, 8);
                ReplicaProcess arrival = i % 2 == 0 ? a : b;
                TestClient asker = i % 2 == 0 ? askerOnB : askerOnA;
                try (TestClient newcomer = arrival.connect(user)) {
                    asker.send("{\"type\":\"online\",\"ref\":\"o" + i + "\"}");
                    JsonNode online = asker.next("online");
                    List<String> users = new ArrayList<>();
                    online.get("users").forEach(u -> users.add(u.asText()));
                    assertTrue(users.contains(user), "connection " + i + " of " + user
                            + " was welcomed, yet the other replica lists only " + users);
                }
            }
        }
    }

    @Test
    void memberJoinedAndLeftReachMembersOnOtherReplicas() {
        String room = room();
        try (TestClient watcherOnA = a.connect("watcher")) {
            watcherOnA.join(room);
            try (TestClient visitorOnB = b.connect("visitor")) {
                visitorOnB.join(room);
                JsonNode joined = watcherOnA.next(f -> "member_joined".equals(f.path("type").asText())
                        && "visitor".equals(f.path("user").asText()), TestClient.TIMEOUT);
                assertEquals(room, joined.get("room").asText());
            }
            JsonNode left = watcherOnA.next("member_left");
            assertEquals("visitor", left.get("user").asText());
        }
    }

    @Test
    void churnOfThousandsOfRoomsLeavesNoStaleRedisSubscriptions() {
        try (TestClient churner = a.connect("churner"); TestClient churner2 = b.connect("churner2")) {
            for (int i = 0; i < 1500; i++) {
                String room = "churn-" + i;
                TestClient who = i % 2 == 0 ? churner : churner2;
                who.send("{\"type\":\"join\",\"room\":\"" + room + "\"}");
                who.send("{\"type\":\"leave\",\"room\":\"" + room + "\"}");
                if (i % 3 == 0) {
                    who.send("{\"type\":\"join\",\"room\":\"" + room + "\"}");
                }
            }
            // joins of every third room stay; wait until every command has been answered
            await().atMost(Duration.ofSeconds(60)).until(() -> channelCount("chorus:room:{churn-*") == 500);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> channelCount("chorus:room:{churn-*") == 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> channelCount("chorus:user:{churner*") == 0);
    }

    private static String numsub(String room) {
        String reply = redis.command("PUBSUB", "NUMSUB", "chorus:room:{" + room + "}");
        String[] lines = reply.split("\r\n");
        return lines[lines.length - 1].replace(":", "");
    }

    private static int channelCount(String pattern) {
        String reply = redis.command("PUBSUB", "CHANNELS", pattern);
        return Integer.parseInt(reply.split("\r\n")[0].substring(1));
    }

    private static long receivedBy(ReplicaProcess replica) {
        JsonNode live = TestClient.parse(replica.get("/q/health/live"));
        for (JsonNode check : live.get("checks")) {
            if ("replica".equals(check.path("name").asText())) {
                return check.get("data").get("backplane-messages-received").asLong();
            }
        }
        throw new AssertionError("no replica check in " + live);
    }
}
