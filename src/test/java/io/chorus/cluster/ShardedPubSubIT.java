package io.chorus.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.RedisCluster;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * Past one Redis: two replicas on a real three-primary Redis Cluster, using sharded pub/sub (SSUBSCRIBE/SPUBLISH)
 * so each room's traffic lives on the shard owning its slot.
 */
class ShardedPubSubIT {

    static RedisCluster cluster;
    static ReplicaProcess a;
    static ReplicaProcess b;

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.start(3);
        String[] clusterClient = { "quarkus.redis.client-type=cluster" };
        a = ReplicaProcess.start("A", cluster.hosts(), clusterClient);
        b = ReplicaProcess.start("B", cluster.hosts(), clusterClient);
        await().atMost(Duration.ofSeconds(30)).until(() -> a.isReady() && b.isReady());
    }

    @AfterAll
    static void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void replicaLogSaysItUsesShardedPubSub() {
        assertTrue(a.log().contains("sharded pub/sub"), a.log());
    }

    @Test
    void roomMessagesCrossReplicasThroughTheShardsAndStayInTheirRoom() {
        try (TestClient onA = a.connect("ann"); TestClient onB = b.connect("ben"); TestClient outsider = b.connect("out")) {
            for (int i = 0; i < 12; i++) {
                String room = "sharded-" + i;
                onA.join(room);
                onB.join(room);
                onA.publishTo(room, "\"m" + i + "\"");
                JsonNode message = onB.next("message");
                assertEquals(room, message.get("room").asText());
                assertEquals("m" + i, message.get("payload").asText());
            }
            assertEquals(0, outsider.messagesWithin(Duration.ofMillis(500)).size());
        }
    }

    @Test
    void roomChannelsSpreadOverTheShards() {
        try (TestClient onA = a.connect("spreader")) {
            for (int i = 0; i < 30; i++) {
                onA.join("spread-" + i);
            }
            int shardsWithChannels = 0;
            int total = 0;
            for (int port : cluster.ports()) {
                int here = count(cluster.command(port, "PUBSUB", "SHARDCHANNELS", "chorus:room:{spread-*"));
                total += here;
                shardsWithChannels += here > 0 ? 1 : 0;
            }
            assertEquals(30, total, "each room channel subscribed on exactly one shard");
            assertTrue(shardsWithChannels >= 2, "30 rooms land on more than one of 3 shards");
        }
    }

    @Test
    void broadcastAndDirectMessagesWorkOnTheCluster() {
        try (TestClient onA = a.connect("alpha"); TestClient onB = b.connect("beta")) {
            onA.publish("\"everyone\"", "b");
            assertEquals("everyone", onB.next("message").get("payload").asText());
            onB.direct("alpha", "\"just you\"");
            assertEquals("just you", onA.next(f -> "message".equals(f.path("type").asText())
                    && f.has("to"), TestClient.TIMEOUT).get("payload").asText());
        }
    }

    @Test
    void presenceWorksOnTheCluster() {
        try (TestClient onA = a.connect("pa"); TestClient onB = b.connect("pb")) {
            onA.join("presence-room");
            onB.join("presence-room");
            // joined comes after the presence record (docs/protocol.md): no waiting
            assertEquals(Set.of("pa", "pb"), onA.members("presence-room"));
            assertEquals(Set.of("pa", "pb"), onB.members("presence-room"));
        }
    }

    @Test
    void leavingEveryRoomLeavesNoShardSubscriptionBehind() {
        try (TestClient onA = a.connect("temp")) {
            for (int i = 0; i < 20; i++) {
                onA.join("temp-" + i);
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> cluster.ports().stream()
                .mapToInt(p -> count(cluster.command(p, "PUBSUB", "SHARDCHANNELS", "chorus:room:{temp-*"))).sum() == 0);
    }

    private static int count(String arrayReply) {
        return Integer.parseInt(List.of(arrayReply.split("\r\n")).get(0).substring(1));
    }
}
