package io.chorus.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chorus.client.NodeScript;
import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaProcess;

/**
 * "No silent loss, ever" under faults (issue 14), with real processes: one Redis (append-only file, fsync always),
 * three replicas of the packaged jar, and {@code src/test/js/chaos/no-silent-loss.mjs}: 60 subscribers on the
 * project's JavaScript client in 3 rooms (most of a room's subscribers on one replica, so they rejoin together from
 * the same position), 6 publishers at 300 messages per second. While it runs, the script asks this test for each fault
 * in turn: a replica killed with SIGKILL and restarted, a replica drained with SIGTERM and restarted, Redis killed and
 * restarted empty (as without persistence), Redis killed and restarted from its append-only file, a replica frozen
 * with SIGSTOP for 8 s; each replica fault hits the replica most subscribers are on at that moment. Then it accounts
 * for every message at every subscriber (docs/reliability.md): each one exactly once and in order, or inside a gap the
 * client reported. Any silent loss, duplicate, reordering, or a refused publish that was delivered after all fails the
 * test.
 *
 * <p>One pass of the faults takes about two minutes. A soak cycles through them for longer:
 * {@code -Dchorus.soak.seconds=600}; {@code -Dchorus.soak.faults=kill-replica,stop-replica:r3,…} picks the faults
 * (and, optionally, their replica).
 */
class NoSilentLossIT {

    /** Replica faults hit the replica most subscribers are on at that moment (the script picks it). */
    private static final String ALL_FAULTS = "kill-replica,drain-replica,redis-restart-empty,redis-restart-aof,"
            + "stop-replica";
    private static final Duration READY = Duration.ofSeconds(120);

    @BeforeEach
    void needsNode() {
        NodeScript.assumeNode();
    }

    @Test
    void everyMessageArrivesOnceInOrderOrInsideAReportedGapThroughEveryFault() throws Exception {
        long soakSeconds = Long.getLong("chorus.soak.seconds", 0);
        String faults = System.getProperty("chorus.soak.faults", ALL_FAULTS);
        Path report = Paths.get("target", "chaos", "no-silent-loss-" + Instant.now().getEpochSecond() + ".json")
                .toAbsolutePath();
        try (RedisProcess redis = RedisProcess.startPersistent(); Cluster cluster = Cluster.start(redis, 3)) {
            NodeScript.Result result = NodeScript.node("chaos/no-silent-loss.mjs")
                    .env("CHORUS_REPLICAS", cluster.urls())
                    .env("CHAOS_FAULTS", faults)
                    .env("CHAOS_DURATION_MS", Long.toString(soakSeconds * 1000))
                    .env("CHAOS_WARMUP_MS", "4000")
                    .env("CHAOS_BETWEEN_MS", "5000")
                    .env("CHAOS_REPORT", report.toString())
                    .onRequest(cluster::inject)
                    .run(Duration.ofSeconds(soakSeconds).plusMinutes(5));
            String summary = result.output().lines().filter(line -> line.startsWith("CHAOS-SUMMARY "))
                    .findFirst().orElse("(no summary: the run did not finish)");
            System.out.println("no-silent-loss " + summary + "\n  (written to " + report + ")");
            assertTrue(summary.contains("\"violationsTotal\":0,"), "violations:\n" + summary);
            assertEquals(0, result.exitCode(), "the script's verdict:\n" + summary + "\n\n" + tail(result.output()));
        }
    }

    private static String tail(String output) {
        List<String> lines = output.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /**
     * Redis and the replicas, and the faults the script asks for ({@code fault <kind> [replica]}; then {@code ready}:
     * wait until every replica is back and ready). A killed or drained replica restarts in the background while the
     * traffic goes on; a later fault of the same replica, and {@code ready}, wait for that restart.
     */
    private static final class Cluster implements AutoCloseable {

        private final RedisProcess redis;
        private final Map<String, ReplicaProcess> replicas = new ConcurrentHashMap<>();
        private final Map<String, CompletableFuture<ReplicaProcess>> restarting = new ConcurrentHashMap<>();
        private final List<String> order = new ArrayList<>();
        /** Starts replicas side by side (the common pool has one thread on a 2-core machine). */
        private final ExecutorService starter = Executors.newCachedThreadPool();

        private Cluster(RedisProcess redis) {
            this.redis = redis;
        }

        /** Starts the replicas r1…rN side by side and waits until every one is ready. */
        static Cluster start(RedisProcess redis, int count) {
            // r1…rN start side by side: on a loaded machine one start can take most of a minute
            Cluster cluster = new Cluster(redis);
            try {
                for (int i = 1; i <= count; i++) {
                    String id = "r" + i;
                    cluster.order.add(id);
                    cluster.restarting.put(id, CompletableFuture
                            .supplyAsync(() -> ReplicaProcess.start(id, redis.hosts()), cluster.starter));
                }
                cluster.awaitReady();
                return cluster;
            } catch (RuntimeException e) {
                cluster.close();
                throw new IllegalStateException("the cluster did not start", e);
            }
        }

        String urls() {
            return order.stream().map(id -> id + "=" + replicas.get(id).baseUri()).collect(Collectors.joining(","));
        }

        /** Carries out one request of the script, synchronously; answers "ok …" or "error …". */
        String inject(String request) {
            String[] words = request.split(" ");
            long started = System.nanoTime();
            try {
                if (words[0].equals("ready")) {
                    awaitReady();
                } else if (words[0].equals("fault") && words.length > 1) {
                    String refusal = fault(words);
                    if (refusal != null) {
                        return "error " + refusal;
                    }
                } else {
                    return "error unknown request: " + request;
                }
                return "ok " + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms";
            } catch (RuntimeException e) {
                return "error " + e.toString().replace('\n', ' ');
            }
        }

        private String fault(String[] words) {
            switch (words[1]) {
                case "kill-replica" -> {
                    ReplicaProcess replica = replica(words);
                    replica.kill();
                    pause(Duration.ofSeconds(2)); // down long enough for its clients to move elsewhere
                    restartInBackground(replica);
                }
                case "drain-replica" -> {
                    ReplicaProcess replica = replica(words);
                    if (!replica.terminate(Duration.ofSeconds(30))) {
                        return replica.id() + " did not exit within 30 s of SIGTERM";
                    }
                    restartInBackground(replica);
                }
                case "redis-restart-empty" -> {
                    redis.kill();
                    pause(Duration.ofSeconds(1));
                    redis.restartEmpty();
                }
                case "redis-restart-aof" -> {
                    redis.kill();
                    pause(Duration.ofSeconds(1));
                    redis.restart();
                }
                case "stop-replica" -> {
                    ReplicaProcess replica = replica(words);
                    replica.suspend();
                    pause(Duration.ofSeconds(8));
                    replica.resume();
                }
                default -> {
                    return "unknown fault: " + words[1];
                }
            }
            return null;
        }

        /** The replica a fault names, once it is back from an earlier fault. */
        private ReplicaProcess replica(String[] words) {
            String id = words.length > 2 ? words[2] : "";
            if (!order.contains(id)) {
                throw new IllegalArgumentException("no replica named in " + String.join(" ", words));
            }
            settle(id);
            return replicas.get(id);
        }

        private void restartInBackground(ReplicaProcess replica) {
            restarting.put(replica.id(), CompletableFuture.supplyAsync(replica::restart, starter));
        }

        /** Waits for a replica's (re)start, if one is under way. */
        private void settle(String id) {
            CompletableFuture<ReplicaProcess> start = restarting.remove(id);
            if (start == null) {
                return;
            }
            try {
                // ReplicaProcess.start gives up (and kills what it started) after READY: wait a little longer
                replicas.put(id, start.get(READY.toSeconds() + 30, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                throw new IllegalStateException("replica " + id + " did not start", e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException("replica " + id + " did not start in time", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        private void awaitReady() {
            order.forEach(this::settle);
            await().atMost(READY).until(() -> replicas.values().stream().allMatch(ReplicaProcess::isReady));
        }

        /** The length of an outage: the time a process stays dead or frozen, not a wait for an event. */
        private static void pause(Duration duration) {
            long end = System.nanoTime() + duration.toNanos();
            for (long left = duration.toNanos(); left > 0; left = end - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
        }

        @Override
        public void close() {
            for (String id : order) {
                try {
                    settle(id);
                } catch (RuntimeException e) {
                    System.err.println("replica " + id + ": " + e); // closing anyway: the test has failed already
                }
            }
            replicas.values().forEach(ReplicaProcess::close);
            starter.shutdownNow();
        }
    }
}
