package io.chorus.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Chorus replica as a real process: the packaged application ({@code target/quarkus-app/quarkus-run.jar}) started
 * with {@code java -jar} on a free loopback port, its output kept in a log file. The ITs and the load generator
 * start their replicas with it.
 */
public final class ReplicaProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String id;
    private final int port;
    private final String redisHosts;
    private final Launch launch;
    private final Path log;
    private final Process process;

    /** How a replica is launched, apart from its id, port and Redis. */
    private record Launch(Path jar, List<String> commandPrefix, List<String> jvmOptions, Path log,
            String[] extraProperties) {
    }

    private ReplicaProcess(String id, int port, String redisHosts, Launch launch, Path log, Process process) {
        this.id = id;
        this.port = port;
        this.redisHosts = redisHosts;
        this.launch = launch;
        this.log = log;
        this.process = process;
    }

    /** Starts a replica on Redis (hosts non-null) or on the embedded backplane (hosts null), and waits until it serves. */
    public static ReplicaProcess start(String id, String redisHosts, String... extraProperties) {
        return start(id, redisHosts, List.of("-Xmx256m"), extraProperties);
    }

    /** As {@link #start(String, String, String...)}, with these JVM options (e.g. a smaller heap) instead of -Xmx256m. */
    public static ReplicaProcess start(String id, String redisHosts, List<String> jvmOptions, String... extraProperties) {
        return start(id, redisHosts, new Launch(appJar(), List.of(), jvmOptions, null, extraProperties));
    }

    /**
     * As {@link #start(String, String, List, String...)}, from this jar, launched through a command prefix (e.g.
     * {@code nice -n 5}, {@code taskset -c 0}; may be empty), its output in this log file: for the load generator.
     */
    public static ReplicaProcess start(String id, String redisHosts, Path jar, List<String> commandPrefix,
            List<String> jvmOptions, Path log, String... extraProperties) {
        return start(id, redisHosts, new Launch(jar, commandPrefix, jvmOptions, log, extraProperties));
    }

    /**
     * The replica lost its port to another process between the probe for a free port and its bind (several test
     * JVMs share the machine): it exited, and a replica started on another port may succeed.
     */
    private static final class PortTaken extends IllegalStateException {
        PortTaken(String message) {
            super(message);
        }
    }

    private static ReplicaProcess start(String id, String redisHosts, Launch launch) {
        for (int attempt = 1;; attempt++) {
            try {
                return start(id, RedisProcess.freePort(), redisHosts, launch);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (PortTaken e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /**
     * Starts this replica again, after it exited or was killed: same id, same port (so clients with a fixed list of
     * URLs find it again), same properties; a new log file (or the given one, written anew). Waits until it serves.
     */
    public ReplicaProcess restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("replica " + id + " is still running");
        }
        return start(id, port, redisHosts, launch);
    }

    private static ReplicaProcess start(String id, int port, String redisHosts, Launch launch) {
        try {
            Path log = launch.log() != null ? launch.log() : Files.createTempFile("chorus-replica-" + id + "-", ".log");
            String[] extraProperties = launch.extraProperties();
            List<String> command = new ArrayList<>(launch.commandPrefix());
            command.add(jdkTool("java"));
            command.addAll(launch.jvmOptions());
            command.addAll(List.of("-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1",
                    "-Dchorus.replica-id=" + id));
            if (redisHosts != null) {
                command.add("-Dquarkus.redis.hosts=" + redisHosts);
            }
            if (java.util.Arrays.stream(extraProperties).noneMatch(p -> p.startsWith("chorus.auth.anonymous="))) {
                command.add("-Dchorus.auth.anonymous=true"); // the packaged app runs the prod profile: JWT by default
            }
            for (String property : extraProperties) {
                command.add("-D" + property);
            }
            command.addAll(List.of("-jar", launch.jar().toString()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().remove("QUARKUS_REDIS_HOSTS");
            builder.environment().remove("QUARKUS_HTTP_PORT");
            ReplicaProcess replica = new ReplicaProcess(id, port, redisHosts, launch, log,
                    ChildProcesses.launch(builder));
            replica.awaitServing();
            return replica;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path appJar() {
        Path jar = Paths.get(System.getProperty("chorus.app.jar", "target/quarkus-app/quarkus-run.jar"));
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: run the tests with `./mvnw verify`");
        }
        return jar;
    }

    /** A tool of the JDK that runs replicas ({@code java}, {@code jcmd}): a replica is attached to by its own JDK. */
    public static String jdkTool(String name) {
        return Paths.get(javaHome(), "bin", name).toString();
    }

    /**
     * The JDK that runs replicas: {@code chorus.replica.java-home} when set (a benchmark comparing JDKs), else the one
     * running this code.
     */
    public static String javaHome() {
        return System.getProperty("chorus.replica.java-home", System.getProperty("java.home"));
    }

    /**
     * Waits until this process listens on its port and answers its liveness check. Its own log must say so: a
     * process that took the port first would answer the check too.
     */
    private void awaitServing() {
        String listening = "Listening on: http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos(); // a loaded 2-core machine needs it
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String log = log();
                if (log.contains("Port " + port + " seems to be in use")) {
                    throw new PortTaken("replica " + id + " lost port " + port + " to another process");
                }
                throw new IllegalStateException("replica " + id + " exited:\n" + log);
            }
            if (log().contains(listening) && healthStatus("/q/health/live") == 200) {
                return;
            }
            sleep(100);
        }
        process.destroyForcibly(); // nobody holds it: it would outlive the test
        throw new IllegalStateException("replica " + id + " did not start:\n" + log());
    }

    public String id() {
        return id;
    }

    public int port() {
        return port;
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    public TestClient connect(String user) {
        return TestClient.connect(baseUri(), user);
    }

    /** The HTTP status of a health endpoint, or -1 when the replica does not answer. */
    public int healthStatus(String path) {
        try {
            HttpRequest request = HttpRequest.newBuilder(baseUri().resolve(path)).timeout(Duration.ofSeconds(2))
                    .GET().build();
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public boolean isReady() {
        return healthStatus("/q/health/ready") == 200;
    }

    public String get(String path) {
        try {
            HttpRequest request = HttpRequest.newBuilder(baseUri().resolve(path)).timeout(Duration.ofSeconds(2))
                    .GET().build();
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: the replica vanishes without saying goodbye. */
    public void kill() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(10));
    }

    /** SIGTERM, as Kubernetes stops a pod; waits up to the timeout for the process to exit. */
    public boolean terminate(Duration timeout) {
        process.destroy();
        return waitFor(timeout);
    }

    /** SIGSTOP: the process freezes (a long GC pause, a stalled VM); its sockets stay open, unanswered. */
    public void suspend() {
        if (!signal("STOP")) {
            throw new IllegalStateException("kill -STOP " + process.pid() + " failed");
        }
    }

    /** SIGCONT: a suspended replica carries on where it stopped. */
    public void resume() {
        if (!signal("CONT")) {
            throw new IllegalStateException("kill -CONT " + process.pid() + " failed");
        }
    }

    /** Sends a signal with kill(1) (ProcessHandle knows only TERM and KILL); whether it was delivered. */
    private boolean signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            signal("CONT"); // a suspended process would not act on SIGTERM
        }
        if (process.isAlive() && !terminate(Duration.ofSeconds(15))) {
            kill();
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
