package io.chorus.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One cluster fixture for the ITs: a Redis of its own and replicas of the packaged application on it, each started
 * with the same properties, and ready (their Redis subscriptions live) before the first test. A start that fails
 * half-way stops what it had started; {@link #close()} stops the replicas, then Redis, and reports what failed.
 */
public final class ReplicaCluster implements AutoCloseable {

    private static final Duration READY = Duration.ofSeconds(60); // a loaded 2-core machine needs it

    private final RedisProcess redis;
    private final Map<String, ReplicaProcess> replicas;

    private ReplicaCluster(RedisProcess redis, Map<String, ReplicaProcess> replicas) {
        this.redis = redis;
        this.replicas = replicas;
    }

    /** Starts Redis and one replica per id, each with these properties ({@code name=value}), and waits until all are ready. */
    public static ReplicaCluster start(List<String> ids, String... properties) {
        RedisProcess redis = RedisProcess.start();
        ReplicaCluster cluster = new ReplicaCluster(redis, new LinkedHashMap<>());
        try {
            for (String id : ids) {
                cluster.replicas.put(id, ReplicaProcess.start(id, redis.hosts(), properties));
            }
            cluster.awaitReady();
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY.toNanos();
        for (ReplicaProcess replica : replicas.values()) {
            while (!replica.isReady()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("replica " + replica.id() + " was not ready within " + READY
                            + ":\n" + replica.log());
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    public RedisProcess redis() {
        return redis;
    }

    /** The replica started with this id. */
    public ReplicaProcess replica(String id) {
        ReplicaProcess replica = replicas.get(id);
        if (replica == null) {
            throw new IllegalArgumentException("no replica " + id + " in " + replicas.keySet());
        }
        return replica;
    }

    /** Stops the replicas (last started first), then Redis; fails with what could not be stopped, if anything. */
    @Override
    public void close() {
        List<AutoCloseable> processes = new ArrayList<>(replicas.values());
        Collections.reverse(processes);
        processes.add(redis);
        IllegalStateException failed = null;
        for (AutoCloseable process : processes) {
            try {
                process.close();
            } catch (Exception e) {
                if (failed == null) {
                    failed = new IllegalStateException("stopping the cluster failed");
                }
                failed.addSuppressed(e);
            }
        }
        if (failed != null) {
            throw failed;
        }
    }
}
