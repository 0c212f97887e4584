package io.chorus.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/** A replica killed with SIGKILL says no goodbye; its users still leave presence, within ttl + heartbeat. */
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
}
