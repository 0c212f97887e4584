package io.chorus.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * Presence heals: a replica killed with SIGKILL says no goodbye, yet its users leave presence within ttl + heartbeat;
 * a join that fails leaves no presence behind; a connection that closed while Redis was down leaves presence once
 * Redis is back, even when Redis comes back with its record; a replica cut off from Redis's pub/sub tells its members
 * who is in their rooms once it is back.
 */
class PresenceHealingIT {

    @Test
    void usersOfAKilledReplicaLeavePresenceWithinTheTtl() {
        String[] fastPresence = { "chorus.presence.ttl=3s", "chorus.presence.heartbeat=500ms" };
        try (RedisProcess redis = RedisProcess.start();
                ReplicaProcess survivor = ReplicaProcess.start("survivor", redis.hosts(), fastPresence);
                ReplicaProcess doomed = ReplicaProcess.start("doomed", redis.hosts(), fastPresence);
                TestClient watcher = survivor.connect("watcher")) {
            String room = "healing";
            watcher.join(room);
            TestClient ghost = doomed.connect("ghost");
            ghost.join(room);
            assertEquals(Set.of("ghost", "watcher"), watcher.members(room));

            doomed.kill();

            JsonNode left = watcher.next(f -> "member_left".equals(f.path("type").asText())
                    && "ghost".equals(f.path("user").asText()), Duration.ofSeconds(20));
            assertEquals(room, left.get("room").asText());
            assertEquals(Set.of("watcher"), watcher.members(room));
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                watcher.send("{\"type\":\"online\",\"ref\":\"o\"}");
                JsonNode online = watcher.next("online");
                return online.get("count").asInt() == 1;
            });
        }
    }

    @Test
    void aJoinThatTimesOutWhileRedisStallsLeavesNoPresenceBehind() {
        try (RedisProcess redis = RedisProcess.start();
                ReplicaProcess replica = ReplicaProcess.start("r1", redis.hosts(), "chorus.limits.join-timeout=1s");
                TestClient host = replica.connect("host"); TestClient late = replica.connect("late")) {
            String room = "stalled";
            host.join(room); // the room's subscription is live: the late join goes straight to its presence record
            redis.suspend();
            try {
                late.send("{\"type\":\"join\",\"room\":\"" + room + "\",\"ref\":\"j\"}");
                JsonNode refused = late.next(f -> "j".equals(f.path("ref").asText()), Duration.ofSeconds(10));
                assertEquals("error", refused.get("type").asText());
                assertEquals("backplane_unavailable", refused.get("code").asText());
            } finally {
                redis.resume();
            }
            // the record may reach Redis before or after its removal: either way the late user is not listed
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(15))
                    .until(() -> host.members(room).equals(Set.of("host")));
        }
    }

    @Test
    void aConnectionClosedWhileRedisWasDownLeavesPresenceWhenRedisComesBackWithIt() {
        try (RedisProcess redis = RedisProcess.startPersistent();
                ReplicaProcess replica = ReplicaProcess.start("r1", redis.hosts(), "chorus.presence.heartbeat=500ms");
                TestClient host = replica.connect("host")) {
            String room = "outage";
            host.join(room);
            TestClient leaver = replica.connect("leaver");
            leaver.join(room);
            assertEquals(Set.of("host", "leaver"), host.members(room));

            redis.kill(); // the append-only file keeps leaver's record
            leaver.close(); // its removal finds no Redis
            await().atMost(Duration.ofSeconds(15)).until(() -> openConnections(replica) == 1);
            redis.restart();

            // leaver's record is back with Redis; this replica, which no longer has the connection, removes it
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                    .until(() -> host.members(room).equals(Set.of("host")));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> host.members(room).equals(Set.of("host")));
        }
    }

    @Test
    void aReplicaWhoseSubscriptionCameBackTellsItsMembersWhoIsInTheRoomNow() {
        try (RedisProcess redis = RedisProcess.start();
                ReplicaProcess cutOff = ReplicaProcess.start("cut-off", redis.hosts(),
                        "chorus.reconnect.initial-delay=3s");
                ReplicaProcess other = ReplicaProcess.start("other", redis.hosts());
                TestClient alice = cutOff.connect("alice")) {
            String room = "resync";
            alice.join(room);
            TestClient bob = other.connect("bob");
            bob.join(room);
            alice.next(f -> "member_joined".equals(f.path("type").asText()), TestClient.TIMEOUT);

            // only the cut-off replica's subscriber connection goes; it reconnects after 3 s
            redis.command("CLIENT", "KILL", "ID", subscriberConnectionId(redis, "cut-off"));
            bob.close(); // bob's member_left is published while the cut-off replica hears nothing

            JsonNode members = alice.next(f -> "members".equals(f.path("type").asText()) && !f.has("ref"),
                    Duration.ofSeconds(20));
            assertEquals(room, members.get("room").asText());
            Set<String> users = new HashSet<>();
            members.get("users").forEach(user -> users.add(user.asText()));
            assertEquals(Set.of("alice"), users, "bob left while the replica was cut off");
        }
    }

    /** The id of a replica's subscriber connection, by its name in {@code CLIENT LIST}. */
    private static String subscriberConnectionId(RedisProcess redis, String replica) {
        Matcher client = Pattern.compile("id=(\\d+) [^\\n]*name=chorus-subscriber:" + Pattern.quote(replica) + " ")
                .matcher(redis.command("CLIENT", "LIST", "TYPE", "pubsub"));
        if (!client.find()) {
            throw new AssertionError("no subscriber connection of " + replica + " in CLIENT LIST");
        }
        return client.group(1);
    }

    private static double openConnections(ReplicaProcess replica) {
        Matcher gauge = Pattern.compile("(?m)^chorus_connections(\\{[^}]*\\})? (\\S+)$")
                .matcher(replica.get("/q/metrics"));
        return gauge.find() ? Double.parseDouble(gauge.group(2)) : -1;
    }
}
