package io.chorus.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.chorus.testing.ReplicaCluster;
import io.chorus.testing.ReplicaProcess;

/**
 * The Redis client's pool meters on a packaged replica: reported once, for the pool in use, and without the
 * "Gauge already registered" warning that Quarkus' second, unused client of the same name would log at every start.
 */
class RedisPoolMetricsIT {

    private static final Pattern POOL_ACTIVE = Pattern.compile(
            "^redis_pool_active\\{[^}]*pool_name=\"<default>\"[^}]*\\} ([0-9.eE+-]+)$", Pattern.MULTILINE);

    private static ReplicaCluster cluster;
    private static ReplicaProcess replica;

    @BeforeAll
    static void start() {
        cluster = ReplicaCluster.start(List.of("pool-r1"));
        replica = cluster.replica("pool-r1");
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aReplicaOnRedisStartsWithoutAMeterRegisteredTwiceWarning() {
        List<String> warnings = replica.log().lines().filter(line -> line.contains("already registered")).toList();
        assertTrue(warnings.isEmpty(), () -> String.join("\n", warnings));
    }

    @Test
    void thePoolGaugesAreReportedOnceAndWatchThePoolInUse() {
        // The backplane's subscriber holds a connection leased from the pool; the unused second client's pool leases
        // none, so a gauge bound to it would read 0.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<Double> active = poolActive(replica.get("/q/metrics"));
            assertEquals(1, active.size(), "one redis_pool_active series for the default client: " + active);
            assertTrue(active.get(0) >= 1, "the subscriber's pooled connection is active: " + active);
        });
    }

    private static List<Double> poolActive(String metrics) {
        return POOL_ACTIVE.matcher(metrics).results().map(result -> Double.parseDouble(result.group(1))).toList();
    }
}
