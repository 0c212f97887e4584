package io.chorus.presence;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.chorus.testing.RedisTestResource;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
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
        RedisPresence presence = new RedisPresence(redis, vertx, "test:", ttl, heartbeat);
        replicas.add(presence);
        return presence;
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
        List<String> leftEvents = new CopyOnWriteArrayList<>();
        survivor.listen(new PresenceListener() {
            @Override
            public void joined(String scope, String user, long users) {
            }

            @Override
            public void left(String scope, String user, long users) {
                leftEvents.add(scope + "/" + user);
            }
        });
        add(dying, room, "d1", "ghost");
        add(survivor, room, "s1", "alive");
        dying.close(); // the replica dies: nobody refreshes ghost's connection any more

        await().atMost(TIMEOUT).until(() -> leftEvents.contains(room + "/ghost"));
        Members members = survivor.members(room, 10).await().atMost(TIMEOUT);
        assertEquals(List.of("alive"), members.users(), "the survivor's own user is kept alive by its heartbeat");
        assertEquals(1, leftEvents.size(), "ghost left exactly once");
    }

    @Test
    void heartbeatRestoresPresenceLostWithRedisData() {
        String room = scope();
        RedisPresence presence = replica(Duration.ofSeconds(5), Duration.ofMillis(100));
        List<String> rejoined = new CopyOnWriteArrayList<>();
        presence.listen(new PresenceListener() {
            @Override
            public void joined(String scope, String user, long users) {
                rejoined.add(user);
            }

            @Override
            public void left(String scope, String user, long users) {
            }
        });
        add(presence, room, "c1", "alice");
        redis.key().del("test:presence:{" + room + "}:conns", "test:presence:{" + room + "}:users",
                "test:presence:{" + room + "}:counts").await().atMost(TIMEOUT);

        await().atMost(TIMEOUT).until(() -> presence.members(room, 10).await().atMost(TIMEOUT).count() == 1);
        assertTrue(rejoined.contains("alice"));
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
}
