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
 * A real {@code redis-server} process that a test starts itself, on a free loopback port, so it can kill and restart
 * it. Needs {@code redis-server} on the PATH (.ci/run installs it).
 */
public final class RedisProcess implements AutoCloseable {

    private final int port;
    private final Path log;
    private final Path dataDir;
    private Process process;

    private RedisProcess(int port, boolean persistent) throws IOException {
        this.port = port;
        this.log = Files.createTempFile("chorus-redis-" + port + "-", ".log");
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

    private static RedisProcess start(boolean persistent) {
        try {
            RedisProcess redis = new RedisProcess(freePort(), persistent);
            redis.launch();
            return redis;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server (is it installed?)", e);
        }
    }

    public int port() {
        return port;
    }

    public String hosts() {
        return "redis://127.0.0.1:" + port;
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
        List<String> command = new java.util.ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--protected-mode", "yes"));
        if (dataDir == null) {
            command.addAll(List.of("--appendonly", "no"));
        } else {
            command.addAll(List.of("--appendonly", "yes", "--appendfsync", "always", "--dir", dataDir.toString()));
        }
        process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited: " + Files.readString(log));
            }
            if (ping()) {
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

    private boolean ping() {
        return command("PING").startsWith("+PONG");
    }

    @Override
    public void close() {
        kill();
    }

    static int freePort() throws IOException {
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
