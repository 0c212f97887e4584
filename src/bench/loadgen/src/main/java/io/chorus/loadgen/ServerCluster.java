package io.chorus.loadgen;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.chorus.testing.ChildProcesses;
import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaProcess;

/**
 * The servers under test, when the generator starts them itself: one {@code redis-server} on a free loopback port
 * (never the machine's own Redis) and N replicas ({@code java -jar quarkus-run.jar}), each optionally pinned to CPUs
 * with {@code taskset}, started with the process test kit the ITs use ({@link RedisProcess}, {@link ReplicaProcess}).
 * It knows their PIDs, so it can measure them and stop exactly them — SIGTERM, then SIGKILL after a grace period —
 * and nothing else. Or, with {@code --targets}, it only holds the addresses of replicas someone else started.
 */
final class ServerCluster implements AutoCloseable {

    /** One replica: its WebSocket address and its PID (-1 when unknown). */
    record Replica(String id, URI ws, long pid) {
    }

    /** HTTP/1.1: an h2c upgrade header would reach the Node peers' WebSocket servers, which refuse it. */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final List<Replica> replicas;
    /** What this cluster started, in the order it started them: Redis first. */
    private final List<AutoCloseable> servers;
    private final RedisProcess redis;
    private final Path dir;

    private ServerCluster(List<Replica> replicas, List<AutoCloseable> servers, RedisProcess redis, Path dir) {
        this.replicas = replicas;
        this.servers = servers;
        this.redis = redis;
        this.dir = dir;
    }

    /** Replicas that are already running (the generator measures them when it knows their PIDs, and stops nothing). */
    static ServerCluster external(List<URI> targets, List<Long> pids) {
        List<Replica> replicas = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            replicas.add(new Replica("t" + (i + 1), targets.get(i), i < pids.size() ? pids.get(i) : -1));
        }
        return new ServerCluster(replicas, List.of(), null, null);
    }

    /**
     * Starts Redis and the replicas, and waits until every replica is ready (its Redis subscription live).
     * {@code logs} receives progress lines.
     */
    static ServerCluster start(LoadOptions options, Path dir, java.util.function.Consumer<String> logs) throws IOException {
        Path jar = Path.of(options.jar());
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build the server first (./mvnw -B package -DskipTests)");
        }
        Files.createDirectories(dir);
        List<AutoCloseable> servers = new ArrayList<>();
        try {
            RedisProcess redis = RedisProcess.start(prefix(options.serverNice(), options.redisCpus()), dir);
            servers.add(redis);
            logs.accept("redis-server pid " + redis.pid() + " on 127.0.0.1:" + redis.port());

            List<Replica> replicas = new ArrayList<>();
            List<BooleanSupplier> alive = new ArrayList<>();
            for (int r = 0; r < options.replicas(); r++) {
                String id = "r" + (r + 1);
                String cpus = options.serverCpus().isEmpty() ? "" : " (cpus " + options.serverCpus() + ")";
                if (!options.server().isChorus()) {
                    int port = RedisProcess.freePort();
                    Process peer = startPeer(options, id, port, redis.port(), dir);
                    servers.add(() -> ChildProcesses.stop(peer));
                    alive.add(peer::isAlive);
                    replicas.add(new Replica(id, options.server().webSocketOf(port), peer.pid()));
                    logs.accept(options.server().cliName() + " replica " + id + " pid " + peer.pid() + " on 127.0.0.1:"
                            + port + cpus);
                    continue;
                }
                List<String> jvmOptions = new ArrayList<>(List.of("-Xmx" + options.serverHeap()));
                for (String opt : options.serverJvmOpts().trim().split("\\s+")) {
                    if (!opt.isEmpty()) {
                        jvmOptions.add(opt);
                    }
                }
                if (options.jfr()) {
                    jvmOptions.add("-XX:StartFlightRecording=settings=" + profilingSettings(dir) + ",filename="
                            + dir.resolve(id + ".jfr") + ",dumponexit=true");
                }
                // the generator's few publishers send far above one client's limits, and it opens many connections
                // per replica
                ReplicaProcess replica = ReplicaProcess.start(id, redis.hosts(), jar,
                        prefix(options.serverNice(), options.serverCpus()), jvmOptions, dir.resolve(id + ".log"),
                        "chorus.auth.anonymous=true", "chorus.limits.publish-rate=10000000",
                        "chorus.limits.publish-burst=10000000", "chorus.limits.max-connections=1000000",
                        "chorus.limits.max-rooms-per-connection=100000");
                servers.add(replica);
                alive.add(replica::isAlive);
                replicas.add(new Replica(id, URI.create("ws://127.0.0.1:" + replica.port() + "/ws"), replica.pid()));
                logs.accept("replica " + id + " pid " + replica.pid() + " on 127.0.0.1:" + replica.port() + cpus);
            }
            ServerCluster cluster = new ServerCluster(replicas, servers, redis, dir);
            for (int r = 0; r < replicas.size(); r++) {
                cluster.awaitReady(replicas.get(r), alive.get(r));
            }
            return cluster;
        } catch (IOException | RuntimeException e) {
            stopAll(servers);
            throw e;
        }
    }

    /** A reference peer's replica: {@code node server.mjs} with PORT, REDIS_URL and REPLICA_ID in its environment. */
    private static Process startPeer(LoadOptions options, String id, int port, int redisPort, Path dir) throws IOException {
        ServerKind kind = options.server();
        if (!Files.isDirectory(kind.peerProject().resolve("node_modules"))) {
            throw new IllegalStateException(kind.peerProject() + "/node_modules is missing: run npm ci there first");
        }
        List<String> command = new ArrayList<>(prefix(options.serverNice(), options.serverCpus()));
        command.addAll(kind.peerCommand());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(id + ".log").toFile());
        builder.environment().remove("QUARKUS_REDIS_HOSTS");
        builder.environment().remove("QUARKUS_HTTP_PORT");
        builder.environment().putAll(java.util.Map.of("PORT", Integer.toString(port),
                "REDIS_URL", "redis://127.0.0.1:" + redisPort, "REPLICA_ID", id));
        return ChildProcesses.launch(builder);
    }

    /**
     * Redis's count of commands processed so far ({@code INFO stats}, {@code total_commands_processed}; commands
     * that Lua scripts call count too), or -1 when the generator did not start Redis or it does not answer.
     */
    long redisCommandsProcessed() {
        String stats = redisInfo("stats");
        int at = stats.indexOf("total_commands_processed:");
        int end = at < 0 ? -1 : stats.indexOf("\r\n", at);
        if (end < 0) {
            return -1;
        }
        try {
            return Long.parseLong(stats.substring(at + "total_commands_processed:".length(), end).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Redis's {@code INFO <section>} text, or "" when the generator did not start Redis or it does not answer. */
    String redisInfo(String section) {
        return redis == null ? "" : redis.info(section);
    }

    List<Replica> replicas() {
        return replicas;
    }

    long redisPid() {
        return redis == null ? -1 : redis.pid();
    }

    boolean managed() {
        return !servers.isEmpty();
    }

    Path dir() {
        return dir;
    }

    /** Stops what this cluster started, by PID: replicas first, Redis last, so no replica sees its Redis vanish. */
    @Override
    public void close() {
        stopAll(servers);
    }

    private static void stopAll(List<AutoCloseable> servers) {
        List<AutoCloseable> reversed = new ArrayList<>(servers);
        Collections.reverse(reversed);
        for (AutoCloseable server : reversed) {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println("loadgen: stopping a server failed: " + e);
            }
        }
    }

    /**
     * Stops every process this JVM launched that is still alive (replicas first, Redis last), by PID. For the
     * watchdog and the shutdown hook, which may fire while a cluster is still starting and has no handle yet.
     */
    static void stopEverythingLaunched() {
        ChildProcesses.stopAlive();
    }

    /** The JDK's "profile" JFR settings with Java method sampling every 1 ms instead of 10 ms (short runs). */
    private static Path profilingSettings(Path dir) throws IOException {
        Path jdkProfile = Path.of(ReplicaProcess.javaHome(), "lib", "jfr", "profile.jfc");
        Path settings = dir.resolve("loadgen-profile.jfc");
        Files.writeString(settings, Files.readString(jdkProfile).replace(
                "<setting name=\"period\" control=\"method-sampling-java-interval\">10 ms</setting>",
                "<setting name=\"period\" control=\"method-sampling-java-interval\">1 ms</setting>"));
        return settings;
    }

    /** The command prefix that runs a server at this nice value, pinned to these CPUs (either may be absent). */
    private static List<String> prefix(int nice, String cpus) {
        List<String> prefix = new ArrayList<>();
        if (nice != 0) {
            prefix.addAll(List.of("nice", "-n", Integer.toString(nice)));
        }
        if (cpus != null && !cpus.isBlank()) {
            prefix.addAll(List.of("taskset", "-c", cpus));
        }
        return prefix;
    }

    private void awaitReady(Replica replica, BooleanSupplier alive) throws IOException {
        URI ready = URI.create("http://" + replica.ws().getHost() + ":" + replica.ws().getPort() + "/q/health/ready");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!alive.getAsBoolean()) {
                throw new IOException("replica " + replica.id() + " exited; see " + dir.resolve(replica.id() + ".log"));
            }
            try {
                HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2))
                        .GET().build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
            sleep(200);
        }
        throw new IOException("replica " + replica.id() + " was not ready within 90 s");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
