package io.chorus.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster of test-owned {@code redis-server} processes in cluster mode on free loopback ports,
 * joined with {@code redis-cli --cluster create}, three primaries and no replicas.
 */
public final class RedisCluster implements AutoCloseable {

    private final Path dir;
    private final List<Integer> ports = new ArrayList<>();
    private final List<Process> nodes = new ArrayList<>();

    private RedisCluster(Path dir) {
        this.dir = dir;
    }

    public static RedisCluster start(int primaries) {
        try {
            RedisCluster cluster = new RedisCluster(Files.createTempDirectory("chorus-redis-cluster-"));
            cluster.launch(primaries);
            return cluster;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a Redis Cluster", e);
        }
    }

    private void launch(int primaries) throws IOException {
        for (int i = 0; i < primaries; i++) {
            int port = RedisProcess.freePort();
            ports.add(port);
            nodes.add(ChildProcesses.launch(new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
                    "--cluster-node-timeout", "2000", "--save", "", "--appendonly", "no", "--dir", dir.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("node-" + port + ".log").toFile())));
        }
        for (int port : ports) {
            awaitReply(port, "PING", "+PONG", Duration.ofSeconds(10));
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        ports.forEach(p -> create.add("127.0.0.1:" + p));
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        Process creator = ChildProcesses.launch(new ProcessBuilder(create).redirectErrorStream(true)
                .redirectOutput(dir.resolve("create.log").toFile()));
        try {
            if (!creator.waitFor(60, TimeUnit.SECONDS) || creator.exitValue() != 0) {
                throw new IOException("redis-cli --cluster create failed: " + Files.readString(dir.resolve("create.log")));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        for (int port : ports) {
            awaitReply(port, "CLUSTER INFO", "cluster_state:ok", Duration.ofSeconds(30));
        }
    }

    /** {@code quarkus.redis.hosts} for this cluster. */
    public String hosts() {
        return ports.stream().map(p -> "redis://127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    public List<Integer> ports() {
        return List.copyOf(ports);
    }

    /** Sends one command to one node and returns its raw reply. */
    public String command(int port, String... args) {
        return RedisProcess.commandOn(port, args);
    }

    private static void awaitReply(int port, String command, String expected, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (RedisProcess.commandOn(port, command.split(" ")).contains(expected)) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        throw new IOException("node " + port + " never answered " + expected + " to " + command);
    }

    @Override
    public void close() {
        nodes.forEach(Process::destroyForcibly);
        for (Process node : nodes) {
            try {
                node.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
