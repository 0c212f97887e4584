package io.chorus.pusher;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One run of {@code src/test/js/pusher/scenarios.js} in Node: real pusher-js and {@code pusher} SDK code against the
 * replicas. Skips the calling test (JUnit assumption) when Node or the npm packages are missing: {@code .ci/run} runs
 * {@code npm ci} there, so CI always has them.
 */
final class NodeScenario implements AutoCloseable {

    static final Path DIRECTORY = Path.of("src/test/js/pusher");
    private static final Duration TIMEOUT = Duration.ofSeconds(40);

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> output = new ArrayList<>();
    private final Writer stdin;

    private NodeScenario(Process process) {
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null;) {
                    synchronized (output) {
                        output.add(line);
                    }
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "node-scenario-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Skips the test unless {@code node} and the scenario's packages are installed. */
    static void assumeNodeAndPackages() {
        assumeTrue(Files.isDirectory(DIRECTORY.resolve("node_modules/pusher-js"))
                && Files.isDirectory(DIRECTORY.resolve("node_modules/pusher")),
                "pusher-js and pusher are not installed: run `npm ci` in " + DIRECTORY + " (.ci/run does)");
        assumeTrue(nodeBinary() != null, "node is not on the PATH");
    }

    private static String nodeBinary() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path node = Path.of(dir, "node");
            if (Files.isExecutable(node)) {
                return node.toString();
            }
        }
        return null;
    }

    static NodeScenario start(String scenario, Map<String, String> environment) {
        try {
            ProcessBuilder builder = new ProcessBuilder(nodeBinary(), "scenarios.js", scenario)
                    .directory(DIRECTORY.toFile()).redirectErrorStream(true);
            builder.environment().putAll(environment);
            return new NodeScenario(builder.start());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits for the next line that starts with {@code prefix}; fails with the whole output when none comes. */
    String awaitLine(String prefix) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                String line = lines.poll(200, TimeUnit.MILLISECONDS);
                if (line != null && line.startsWith(prefix)) {
                    return line;
                }
                if (line == null && !process.isAlive() && lines.isEmpty()) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new AssertionError("no line starting with '" + prefix + "' from the scenario; its output:\n" + output());
    }

    void say(String line) {
        try {
            stdin.write(line + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits for the scenario to end: its exit code. */
    int awaitExit() {
        try {
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the scenario did not end; its output:\n" + output());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
        }
    }
}
