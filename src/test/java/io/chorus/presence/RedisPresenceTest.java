package io.chorus.presence;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.chorus.testing.RedisTestResource;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/** Presence in a real Redis; each replica is its own RedisPresence on the same server. */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class RedisPresenceTest extends PresenceContract {

    @Inject
    ReactiveRedisDataSource redis;

    @Inject
    Vertx vertx;

    private final List<RedisPresence> replicas = new ArrayList<>();

    @Override
    Presence replica() {
        return replica(Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    private RedisPresence replica(Duration ttl, Duration heartbeat) {
        RedisPresence presence = new RedisPresence(redis, vertx, "test:", "r" + replicas.size(), ttl, heartbeat);
        replicas.add(presence);
        return presence;
    }

    /** Replica r0 with a 100 ms heartbeat, alice (c1) and bob (c2) present in the room, its events recorded. */
    private RedisPresence aliceAndBobOnAFastHeartbeat(String room, RecordedPresenceEvents events) {
        RedisPresence presence = replica(Duration.ofSeconds(5), Duration.ofMillis(100));
        presence.listen(events);
        add(presence, room, "c1", "alice");
        add(presence, room, "c2", "bob");
        return presence;
    }

    /**
     * Runs a change of the test's own to r0's records in the room as one script (KEYS[1] its conns, KEYS[2] the
     * counts), so the heartbeat, every 100 ms, sees all of it or none.
     */
    private void atomically(String room, String script) {
        String base = "test:presence:{" + room + "}:";
        redis.execute("EVAL", script, "2", base + "conns:r0", base + "counts").await().atMost(TIMEOUT);
    }

    @AfterEach
    void stopHeartbeats() {
        replicas.forEach(RedisPresence::close);
        replicas.clear();
    }

    @Test
    void connectionsOfAReplicaThatStopsRefreshingExpireAndTheirUsersAreReportedLeft() {
        String room = scope();
        RedisPresence dying = replica(Duration.ofMillis(600), Duration.ofSeconds(60));
        RedisPresence survivor = replica(Duration.ofMillis(600), Duration.ofMillis(100));
        RecordedPresenceEvents events = new RecordedPresenceEvents();
        survivor.listen(events);
        add(dying, room, "d1", "ghost");
        add(survivor, room, "s1", "alive");
        dying.close(); // the replica dies: nobody refreshes ghost's connection any more

        await().atMost(TIMEOUT).until(() -> events.left.contains("ghost"));
        Members members = survivor.members(room, 10).await().atMost(TIMEOUT);
        assertEquals(List.of("alive"), members.users(), "the survivor's own user is kept alive by its heartbeat");
        assertEquals(1, events.left.size(), "ghost left exactly once");
    }

    @Test
    void heartbeatRestoresPresenceLostWithRedisData() {
        String room = scope();
        RedisPresence presence = replica(Duration.ofSeconds(5), Duration.ofMillis(100));
        RecordedPresenceEvents events = new RecordedPresenceEvents();
        presence.listen(events);
        add(presence, room, "c1", "alice");
        List<String> keys = redis.key().keys("test:presence:{" + room + "}:*").await().atMost(TIMEOUT);
        redis.key().del(keys.toArray(String[]::new)).await().atMost(TIMEOUT); // what a restarted Redis has lost

        await().atMost(TIMEOUT).until(() -> presence.members(room, 10).await().atMost(TIMEOUT).count() == 1);
        assertTrue(events.joined.contains("alice"));
    }

    @Test
    void heartbeatRecordsAConnectionWhoseAddNeverReachedRedis() {
        String room = scope();
        RecordedPresenceEvents events = new RecordedPresenceEvents();
        RedisPresence presence = aliceAndBobOnAFastHeartbeat(room, events);
        // bob's add as if its script had failed: the replica's other connections are still recorded
        atomically(room, "redis.call('HDEL', KEYS[1], 'c2'); redis.call('HDEL', KEYS[2], 'bob')");

        // bob joins again only if his record was missing: the heartbeat found it so, and added it
        await().atMost(TIMEOUT).until(() -> events.joined.contains("bob"));
        assertEquals(Set.of("alice", "bob"), Set.copyOf(presence.members(room, 10).await().atMost(TIMEOUT).users()));
    }

    @Test
    void heartbeatRemovesAClosedConnectionWhoseRemovalNeverReachedRedis() {
        String room = scope();
        RecordedPresenceEvents events = new RecordedPresenceEvents();
        RedisPresence presence = aliceAndBobOnAFastHeartbeat(room, events);
        presence.remove(room, "c2").await().atMost(TIMEOUT);
        // bob's connection back in Redis, as if its removal had failed and Redis came back from its append-only file
        atomically(room, "redis.call('HSET', KEYS[1], 'c2', 'bob'); redis.call('HINCRBY', KEYS[2], 'bob', 1)");

        // bob leaves only if his record was there: the heartbeat found it, and removed it
        await().atMost(TIMEOUT).until(() -> events.left.contains("bob"));
        assertEquals(List.of("alice"), presence.members(room, 10).await().atMost(TIMEOUT).users());
        await().during(Duration.ofMillis(500)).atMost(TIMEOUT).until(() -> events.left.size() == 1);
        assertEquals(List.of("bob"), events.left, "bob left once; alice, still connected, stays");
    }

    @Test
    void aConnectionClosedBeforeItsAddAnsweredIsReportedJoinedOnlyIfItIsReportedLeft() {
        RedisPresence presence = replica(Duration.ofSeconds(30), Duration.ofSeconds(10));
        RecordedPresenceEvents events = new RecordedPresenceEvents();
        presence.listen(events);
        List<String> joined = new CopyOnWriteArrayList<>();
        List<String> left = new CopyOnWriteArrayList<>();
        List<String> rooms = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String room = scope();
            rooms.add(room);
            // a join and a close in one event-loop task: the add waits for the loop's next tick, the removal goes at
            // once, so Redis usually sees the removal (of nothing) first and the add after it
            vertx.runOnContext(ignored -> {
                presence.add(room, "c1", "alice").subscribe().with(change -> record(change, joined));
                presence.remove(room, "c1").subscribe().with(change -> record(change, left));
            });
        }

        for (String room : rooms) {
            await().atMost(TIMEOUT).until(() -> presence.members(room, 10).await().atMost(TIMEOUT).count() == 0);
        }
        await().during(Duration.ofMillis(300)).atMost(TIMEOUT).untilAsserted(() -> assertEquals(
                joined.size() + events.joined.size(), left.size() + events.left.size(),
                "every user reported joined is reported left; joined " + joined + events.joined + ", left " + left
                        + events.left));
    }

    private static void record(Presence.Change change, List<String> users) {
        if (change.user() != null) {
            users.add(change.user());
        }
    }

    @Test
    void presenceKeysExpireWhenNobodyRefreshesThem() {
        String room = scope();
        RedisPresence presence = replica(Duration.ofMillis(500), Duration.ofSeconds(60));
        add(presence, room, "c1", "alice");
        presence.close();
        await().atMost(TIMEOUT).until(() -> redis.key().exists("test:presence:{" + room + "}:counts")
                .await().atMost(TIMEOUT) == false);
    }

    @Test
    void aLapsedReplicaIsSweptAsOneSetAndUsersItSharedWithALiveReplicaStay() {
        String room = scope();
        RedisPresence dying = replica(Duration.ofMillis(600), Duration.ofSeconds(60));
        RedisPresence survivor = replica(Duration.ofMillis(600), Duration.ofMillis(100));
        RecordedPresenceEvents events = new RecordedPresenceEvents();
        survivor.listen(events);
        add(dying, room, "d1", "ann");
        add(dying, room, "d2", "bob");
        add(dying, room, "d3", "shared");
        add(survivor, room, "s1", "shared");
        dying.close();

        await().atMost(TIMEOUT).until(() -> events.left.containsAll(List.of("ann", "bob")));
        Members members = survivor.members(room, 10).await().atMost(TIMEOUT);
        assertEquals(List.of("shared"), members.users(), "a user with a connection on the live replica stays");
        assertEquals(2, events.left.size(), "only the users whose last connection was on the lapsed replica left");
        assertFalse(redis.key().exists("test:presence:{" + room + "}:conns:r0").await().atMost(TIMEOUT),
                "the lapsed replica's connection set is gone");
    }

    @Test
    void heartbeatsCostPerScopeNotPerConnection() {
        String room = scope();
        RedisPresence presence = replica(Duration.ofSeconds(5), Duration.ofMillis(100));
        List<Uni<Presence.Change>> adds = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            adds.add(presence.add(room, "c" + i, "user" + i));
        }
        Uni.join().all(adds).andFailFast().await().atMost(TIMEOUT);
        long before = commandsProcessed();
        await().pollDelay(Duration.ofSeconds(1)).atMost(TIMEOUT).until(() -> true); // ten heartbeats
        long during = commandsProcessed() - before;
        assertTrue(during < 2_000, "ten heartbeats over 2,000 connections took " + during + " Redis commands");
        assertEquals(2_000, presence.members(room, 0).await().atMost(TIMEOUT).count());
    }

    private long commandsProcessed() {
        String info = redis.execute("INFO", "stats").await().atMost(TIMEOUT).toString();
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("total_commands_processed:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new IllegalStateException("no total_commands_processed in INFO stats");
    }
}
