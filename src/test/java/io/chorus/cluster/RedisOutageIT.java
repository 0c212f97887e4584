package io.chorus.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * Redis lost and found again, with real processes: the replicas stay up, readiness follows the subscription, and
 * they resubscribe by themselves — no restart.
 */
class RedisOutageIT {

    private static final Duration HEAL = Duration.ofSeconds(30);

    @Test
    void replicasResubscribeAfterRedisIsKilledAndRestartedWithoutBeingRestarted() {
        try (RedisProcess redis = RedisProcess.start();
                ReplicaProcess a = ReplicaProcess.start("A", redis.hosts(), "chorus.reconnect.max-delay=1s");
                ReplicaProcess b = ReplicaProcess.start("B", redis.hosts(), "chorus.reconnect.max-delay=1s")) {
            await().atMost(HEAL).until(() -> a.isReady() && b.isReady());
            try (TestClient u1 = a.connect("u1"); TestClient u4 = b.connect("u4")) {
                redis.kill();

                await().atMost(HEAL).until(() -> !a.isReady() && !b.isReady());
                assertTrue(a.get("/q/health/ready").contains("reason"), a.get("/q/health/ready"));
                assertEquals(200, a.healthStatus("/q/health/live"), "liveness stays UP");
                u1.publish("\"lost\"", "during-outage");
                assertEquals("backplane_unavailable", u1.next("error").get("code").asText());
                assertFalse(u1.isClosed(), "clients stay connected while Redis is away");

                redis.restart();

                await().atMost(HEAL).until(() -> a.isReady() && b.isReady());
                u1.publish("\"back\"", "after-restart");
                assertEquals("back", u4.next("message").get("payload").asText());
                u4.publish("\"and back\"", "reply");
                assertEquals("and back", u1.next(f -> "and back".equals(f.path("payload").asText()), HEAL)
                        .get("payload").asText());
                assertTrue(a.isAlive() && b.isAlive());
            }
            for (ReplicaProcess replica : new ReplicaProcess[] { a, b }) {
                assertFalse(replica.log().contains(" ERROR "),
                        "losing Redis is handled, not an error:\n" + replica.log());
            }
        }
    }

    @Test
    void replicaStartedWhileRedisIsDownServesAndJoinsTheClusterWhenRedisAppears() {
        try (RedisProcess redis = RedisProcess.start()) {
            redis.kill();
            try (ReplicaProcess late = ReplicaProcess.start("late", redis.hosts(), "chorus.reconnect.max-delay=1s")) {
                assertEquals(200, late.healthStatus("/q/health/live"));
                assertFalse(late.isReady(), "not ready without its subscription");
                try (TestClient early = late.connect("early")) {
                    redis.restart();
                    await().atMost(HEAL).until(late::isReady);
                    try (ReplicaProcess peer = ReplicaProcess.start("peer", redis.hosts());
                            TestClient remote = peer.connect("remote")) {
                        await().atMost(HEAL).until(peer::isReady);
                        remote.publish("\"welcome aboard\"", "r");
                        assertEquals("welcome aboard", early.next("message").get("payload").asText());
                    }
                }
            }
        }
    }
}
