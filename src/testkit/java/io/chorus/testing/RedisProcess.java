package io.chorus.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} process that a test (or the load generator) starts itself, on a free loopback port
 * (never the machine's own Redis), so it can kill and restart it. Needs {@code redis-server} on the PATH (.ci/run
 * installs it).
 */
public final class RedisProcess implements AutoCloseable {

    private final int port;
    private final List<String> commandPrefix;
    private final Path log;
    private final Path workDir;
    private final Path dataDir;
    private Process process;

    private RedisProcess(int port, List<String> commandPrefix, Path workDir, boolean persistent) throws IOException {
        this.port = port;
        this.commandPrefix = List.copyOf(commandPrefix);
        this.workDir = workDir;
        this.log = workDir == null ? Files.createTempFile("chorus-redis-" + port + "-", ".log")
                : workDir.resolve("redis.log");
        this.dataDir = persistent ? Files.createTempDirectory("chorus-redis-data-") : null;
    }

    /** A Redis that keeps nothing on disk: a restart loses every key (and so every stream's history). */
    public static RedisProcess start() {
        return start(false);
    }

    /** A Redis with an append-only file fsynced on every write: a kill and restart keep every key. */
    public static RedisProcess startPersistent() {
        return start(true);
    }

    /**
     * A Redis that keeps nothing on disk, launched through a command prefix (e.g. {@code nice -n 5},
     * {@code taskset -c 1}; may be empty), its log ({@code redis.log}) and working files in workDir.
     */
    public static RedisProcess start(List<String> commandPrefix, Path workDir) {
        return start(commandPrefix, workDir, false);
    }

    private static RedisProcess start(boolean persistent) {
        return start(List.of(), null, persistent);
    }

    private static RedisProcess start(List<String> commandPrefix, Path workDir, boolean persistent) {
        for (int attempt = 1;; attempt++) {
            try {
                RedisProcess redis = new RedisProcess(freePort(), commandPrefix, workDir, persistent);
                redis.launch();
                return redis;
            } catch (IOException e) {
                // another process may have taken the free port between the probe and the bind: try another one
                if (attempt == 3 || !String.valueOf(e.getMessage()).contains("already in use")) {
                    throw new IllegalStateException("cannot start redis-server (is it installed?)", e);
                }
            }
        }
    }

    public int port() {
        return port;
    }

    public String hosts() {
        return "redis://127.0.0.1:" + port;
    }

    /** The server's PID, or -1 when it is not running. */
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Kills the server at once (SIGKILL), as a crash would; its data is gone (no persistence). */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitFor(process);
            process = null;
        }
    }

    /** SIGSTOP: the server freezes (a stall); its connections stay open and every command waits unanswered. */
    public void suspend() {
        signal("STOP");
    }

    /** SIGCONT: a suspended server answers what waited, in order. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + pid() + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts the server again on the same port. */
    public void restart() {
        if (isRunning()) {
            throw new IllegalStateException("still running");
        }
        try {
            launch();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Starts the server again on the same port with nothing on disk, as a Redis without persistence comes back: its
     * append-only file (if it keeps one) is deleted first, and it goes on keeping one afterwards.
     */
    public void restartEmpty() {
        if (isRunning()) {
            throw new IllegalStateException("still running");
        }
        try {
            if (dataDir != null) {
                try (var files = Files.walk(dataDir)) {
                    for (Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        if (!path.equals(dataDir)) {
                            Files.delete(path);
                        }
                    }
                }
            }
            launch();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void launch() throws IOException {
        List<String> command = new java.util.ArrayList<>(commandPrefix);
        command.addAll(List.of("redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--protected-mode", "yes"));
        if (dataDir == null) {
            command.addAll(List.of("--appendonly", "no"));
            if (workDir != null) {
                command.addAll(List.of("--dir", workDir.toString()));
            }
        } else {
            command.addAll(List.of("--appendonly", "yes", "--appendfsync", "always", "--dir", dataDir.toString()));
        }
        process = ChildProcesses.launch(new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited: " + Files.readString(log));
            }
            if (ping() && answersAsThisProcess()) {
                return;
            }
            sleep(50);
        }
        throw new IOException("redis-server did not answer PING on port " + port);
    }

    /** Sends one raw command and returns the first reply line, e.g. {@code command("PUBSUB", "NUMSUB", "c")}. */
    public String command(String... args) {
        return commandOn(port, args);
    }

    /** Sends one raw command to the Redis on a loopback port and returns the first reply bytes read. */
    static String commandOn(int port, String... args) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(2000);
            StringBuilder resp = new StringBuilder("*").append(args.length).append("\r\n");
            for (String arg : args) {
                resp.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg)
                        .append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(resp.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            int n = in.read(buffer);
            return n <= 0 ? "" : new String(buffer, 0, n, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * The text of {@code INFO <section>} (e.g. {@code stats}, {@code cpu}, {@code commandstats}), read whole, or ""
     * when the server does not answer.
     */
    public String info(String section) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
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
                    return text.substring(header + 2, expected);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // reported as unknown
        }
        return "";
    }

    /** Whether the server on the port is this process (nice and taskset exec it: the PID is the same), not another. */
    private boolean answersAsThisProcess() {
        return info("server").contains("process_id:" + process.pid() + "\r\n");
    }

    private boolean ping() {
        return command("PING").startsWith("+PONG");
    }

    @Override
    public void close() {
        kill();
    }

    /** A free TCP port on the loopback interface. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static void waitFor(Process p) {
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
