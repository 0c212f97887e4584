package io.chorus.loadgen;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The servers under test, when the generator starts them itself: one {@code redis-server} on a free loopback port
 * (never the machine's own Redis) and N replicas ({@code java -jar quarkus-run.jar}), each optionally pinned to CPUs
 * with {@code taskset}. It knows their PIDs, so it can measure them and stop exactly them — SIGTERM, then SIGKILL
 * after a grace period — and nothing else. Or, with {@code --targets}, it only holds the addresses of replicas someone
 * else started.
 */
final class ServerCluster implements AutoCloseable {

    /** One replica: its WebSocket address and its PID (-1 when unknown). */
    record Replica(String id, URI ws, long pid) {
    }

    /** HTTP/1.1: an h2c upgrade header would reach the Node peers' WebSocket servers, which refuse it. */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** Every process this JVM launched, from the moment it is launched, so cleanup finds it even mid-start. */
    private static final List<Process> LAUNCHED = Collections.synchronizedList(new ArrayList<>());

    private final List<Replica> replicas;
    private final List<Process> children;
    private final long redisPid;
    private final int redisPort;
    private final Path dir;

    private ServerCluster(List<Replica> replicas, List<Process> children, long redisPid, int redisPort, Path dir) {
        this.replicas = replicas;
        this.children = children;
        this.redisPid = redisPid;
        this.redisPort = redisPort;
        this.dir = dir;
    }

    /** Replicas that are already running (the generator measures them when it knows their PIDs, and stops nothing). */
    static ServerCluster external(List<URI> targets, List<Long> pids) {
        List<Replica> replicas = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            replicas.add(new Replica("t" + (i + 1), targets.get(i), i < pids.size() ? pids.get(i) : -1));
        }
        return new ServerCluster(replicas, List.of(), -1, -1, null);
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
        List<Process> children = Collections.synchronizedList(new ArrayList<>());
        ServerCluster cluster = null;
        try {
            int redisPort = freePort();
            List<String> redis = new ArrayList<>(niced(options.serverNice()));
            redis.addAll(pinned(options.redisCpus()));
            redis.addAll(List.of("redis-server", "--port", Integer.toString(redisPort), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--dir", dir.toString()));
            Process redisProcess = launch(redis, dir.resolve("redis.log"));
            children.add(redisProcess);
            awaitRedis(redisPort, redisProcess);
            logs.accept("redis-server pid " + redisProcess.pid() + " on 127.0.0.1:" + redisPort);

            List<Replica> replicas = new ArrayList<>();
            for (int r = 0; r < options.replicas(); r++) {
                String id = "r" + (r + 1);
                int port = freePort();
                if (!options.server().isChorus()) {
                    Process peer = startPeer(options, id, port, redisPort, dir);
                    children.add(peer);
                    replicas.add(new Replica(id, options.server().webSocketOf(port), peer.pid()));
                    logs.accept(options.server().cliName() + " replica " + id + " pid " + peer.pid() + " on 127.0.0.1:"
                            + port + (options.serverCpus().isEmpty() ? "" : " (cpus " + options.serverCpus() + ")"));
                    continue;
                }
                List<String> command = new ArrayList<>(niced(options.serverNice()));
                command.addAll(pinned(options.serverCpus()));
                command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                command.add("-Xmx" + options.serverHeap());
                for (String opt : options.serverJvmOpts().trim().split("\\s+")) {
                    if (!opt.isEmpty()) {
                        command.add(opt);
                    }
                }
                if (options.jfr()) {
                    command.add("-XX:StartFlightRecording=settings=" + profilingSettings(dir) + ",filename="
                            + dir.resolve(id + ".jfr") + ",dumponexit=true");
                }
                command.addAll(List.of("-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1",
                        "-Dchorus.replica-id=" + id, "-Dquarkus.redis.hosts=redis://127.0.0.1:" + redisPort,
                        // the generator's few publishers send far above one client's limits, and it opens many
                        // connections per replica
                        "-Dchorus.auth.anonymous=true", "-Dchorus.limits.publish-rate=10000000", "-Dchorus.limits.publish-burst=10000000",
                        "-Dchorus.limits.max-connections=1000000", "-Dchorus.limits.max-rooms-per-connection=100000",
                        "-jar", jar.toString()));
                Process replica = launch(command, dir.resolve(id + ".log"));
                children.add(replica);
                replicas.add(new Replica(id, URI.create("ws://127.0.0.1:" + port + "/ws"), replica.pid()));
                logs.accept("replica " + id + " pid " + replica.pid() + " on 127.0.0.1:" + port
                        + (options.serverCpus().isEmpty() ? "" : " (cpus " + options.serverCpus() + ")"));
            }
            cluster = new ServerCluster(replicas, children, redisProcess.pid(), redisPort, dir);
            for (int r = 0; r < replicas.size(); r++) {
                cluster.awaitReady(replicas.get(r), children.get(r + 1));
            }
            return cluster;
        } catch (IOException | RuntimeException e) {
            if (cluster == null) {
                stopAll(children);
            } else {
                cluster.close();
            }
            throw e;
        }
    }

    /** A reference peer's replica: {@code node server.mjs} with PORT, REDIS_URL and REPLICA_ID in its environment. */
    private static Process startPeer(LoadOptions options, String id, int port, int redisPort, Path dir) throws IOException {
        ServerKind kind = options.server();
        if (!Files.isDirectory(kind.peerProject().resolve("node_modules"))) {
            throw new IllegalStateException(kind.peerProject() + "/node_modules is missing: run npm ci there first");
        }
        List<String> command = new ArrayList<>(niced(options.serverNice()));
        command.addAll(pinned(options.serverCpus()));
        command.addAll(kind.peerCommand());
        return launch(command, dir.resolve(id + ".log"), java.util.Map.of("PORT", Integer.toString(port),
                "REDIS_URL", "redis://127.0.0.1:" + redisPort, "REPLICA_ID", id));
    }

    /**
     * Redis's count of commands processed so far ({@code INFO stats}, {@code total_commands_processed}; commands
     * that Lua scripts call count too), or -1 when the generator did not start Redis or it does not answer.
     */
    long redisCommandsProcessed() {
        if (redisPort < 0) {
            return -1;
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", redisPort), 1000);
            socket.setSoTimeout(2000);
            socket.getOutputStream().write("INFO stats\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            StringBuilder text = new StringBuilder();
            byte[] chunk = new byte[8192];
            int n;
            while ((n = in.read(chunk)) > 0) {
                text.append(new String(chunk, 0, n, StandardCharsets.US_ASCII));
                int at = text.indexOf("total_commands_processed:");
                int end = at < 0 ? -1 : text.indexOf("\r\n", at);
                if (end > 0) {
                    return Long.parseLong(text.substring(at + "total_commands_processed:".length(), end).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // reported as unknown
        }
        return -1;
    }

    /** Redis's {@code INFO <section>} text, or "" when the generator did not start Redis or it does not answer. */
    String redisInfo(String section) {
        if (redisPort < 0) {
            return "";
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", redisPort), 1000);
            socket.setSoTimeout(2000);
            socket.getOutputStream().write(("INFO " + section + "\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            StringBuilder text = new StringBuilder();
            byte[] chunk = new byte[8192];
            int n;
            int expected = -1;
            while ((n = in.read(chunk)) > 0) {
                text.append(new String(chunk, 0, n, StandardCharsets.US_ASCII));
                int header = text.indexOf("\r\n");
                if (expected < 0 && header > 0 && text.charAt(0) == '$') {
                    expected = header + 2 + Integer.parseInt(text.substring(1, header));
                }
                if (expected >= 0 && text.length() >= expected) {
                    return text.substring(text.indexOf("\r\n") + 2, expected);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // reported as unknown
        }
        return "";
    }

    List<Replica> replicas() {
        return replicas;
    }

    long redisPid() {
        return redisPid;
    }

    boolean managed() {
        return !children.isEmpty();
    }

    Path dir() {
        return dir;
    }

    /** Stops what this cluster started, by PID: SIGTERM, and SIGKILL what is still alive 15 s later. */
    @Override
    public void close() {
        stopAll(children);
    }

    private static void stopAll(List<Process> processes) {
        List<Process> reversed = new ArrayList<>(processes);
        Collections.reverse(reversed); // replicas first, Redis last, so no replica sees its Redis vanish
        for (Process process : reversed) {
            process.destroy();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The JDK's "profile" JFR settings with Java method sampling every 1 ms instead of 10 ms (short runs). */
    private static Path profilingSettings(Path dir) throws IOException {
        Path jdkProfile = Path.of(System.getProperty("java.home"), "lib", "jfr", "profile.jfc");
        Path settings = dir.resolve("loadgen-profile.jfc");
        Files.writeString(settings, Files.readString(jdkProfile).replace(
                "<setting name=\"period\" control=\"method-sampling-java-interval\">10 ms</setting>",
                "<setting name=\"period\" control=\"method-sampling-java-interval\">1 ms</setting>"));
        return settings;
    }

    private static List<String> niced(int nice) {
        return nice == 0 ? List.of() : List.of("nice", "-n", Integer.toString(nice));
    }

    private static List<String> pinned(String cpus) {
        return cpus == null || cpus.isBlank() ? List.of() : List.of("taskset", "-c", cpus);
    }

    private static Process launch(List<String> command, Path log) throws IOException {
        return launch(command, log, java.util.Map.of());
    }

    private static Process launch(List<String> command, Path log, java.util.Map<String, String> env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("QUARKUS_REDIS_HOSTS");
        builder.environment().remove("QUARKUS_HTTP_PORT");
        builder.environment().putAll(env);
        Process process = builder.start();
        LAUNCHED.add(process);
        return process;
    }

    /**
     * Stops every process this JVM launched that is still alive (replicas first, Redis last), by PID. For the
     * watchdog and the shutdown hook, which may fire while a cluster is still starting and has no handle yet.
     */
    static void stopEverythingLaunched() {
        List<Process> alive = new ArrayList<>();
        synchronized (LAUNCHED) {
            for (Process process : LAUNCHED) {
                if (process.isAlive()) {
                    alive.add(process);
                }
            }
        }
        stopAll(alive);
    }

    private void awaitReady(Replica replica, Process process) throws IOException {
        URI ready = URI.create("http://" + replica.ws().getHost() + ":" + replica.ws().getPort() + "/q/health/ready");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
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

    private static void awaitRedis(int port, Process process) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited (is it installed?)");
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                socket.setSoTimeout(1000);
                OutputStream out = socket.getOutputStream();
                out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                byte[] reply = new byte[16];
                int n = in.read(reply);
                if (n > 0 && new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG")) {
                    return;
                }
            } catch (IOException e) {
                // not yet
            }
            sleep(50);
        }
        throw new IOException("redis-server did not answer on port " + port);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
