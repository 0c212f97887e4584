package io.chorus.client;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A test script of {@code src/test/js} run with Node as a child process: its output is kept (and echoed, prefixed),
 * and the lines it prints as {@code @chorus <command>} are requests to the test (e.g. {@code @chorus kill r1}),
 * answered on its standard input with the handler's reply line. Every run has a timeout.
 */
public final class NodeScript {

    static final Path JS = Paths.get("src/test/js");
    static final String CHROMIUM = System.getenv().getOrDefault("CHORUS_CHROMIUM", "/usr/bin/chromium");
    private static final String CONTROL = "@chorus ";

    /** What a script run gave: its exit code and everything it printed. */
    public record Result(int exitCode, String output) {
    }

    private final List<String> command;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Function<String, String> handler = request -> "unknown request: " + request;

    private NodeScript(List<String> command) {
        this.command = command;
    }

    /** {@code node <args>}, run in src/test/js. */
    public static NodeScript node(String... args) {
        List<String> command = new ArrayList<>(List.of("node"));
        command.addAll(Arrays.asList(args));
        return new NodeScript(command);
    }

    public NodeScript env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** Answers the script's {@code @chorus} requests (the reply is written back as one line). */
    public NodeScript onRequest(Function<String, String> handler) {
        this.handler = handler;
        return this;
    }

    public Result run(Duration timeout) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(JS.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> pump(process, output), "node-output");
        reader.setDaemon(true);
        reader.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            reader.join(5_000);
            synchronized (output) {
                return new Result(-1, output + "\n(timed out after " + timeout + ")");
            }
        }
        reader.join(5_000);
        synchronized (output) {
            return new Result(process.exitValue(), output.toString());
        }
    }

    private void pump(Process process, StringBuilder output) {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                OutputStream requests = process.getOutputStream()) {
            String line;
            while ((line = lines.readLine()) != null) {
                System.out.println("[node] " + line);
                synchronized (output) {
                    output.append(line).append('\n');
                }
                if (line.startsWith(CONTROL)) {
                    String reply = handler.apply(line.substring(CONTROL.length()).trim());
                    requests.write((reply + "\n").getBytes(StandardCharsets.UTF_8));
                    requests.flush();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Skips the test, saying why, when Node 20+ or the test scripts' npm packages are missing (.ci/run installs them). */
    public static void assumeNode() {
        assumeTrue(nodeMajorVersion() >= 20, "Node.js 20 or later is not on the PATH: skipped (.ci/run installs it)");
        assumeTrue(Files.isDirectory(JS.resolve("node_modules/ws")) && Files.isDirectory(JS.resolve("node_modules/playwright-core")),
                "src/test/js/node_modules is missing: skipped (run `npm ci` in src/test/js; .ci/run does)");
    }

    /** Also skips when there is no Chromium to drive ({@code CHORUS_CHROMIUM}, default /usr/bin/chromium). */
    static void assumeChromium() {
        assumeNode();
        assumeTrue(Files.isExecutable(Paths.get(CHROMIUM)),
                CHROMIUM + " is missing: skipped (apt-get install chromium; .ci/run does)");
    }

    private static int nodeMajorVersion() {
        try {
            Process process = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String version = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0 || !version.startsWith("v")) {
                return 0;
            }
            return Integer.parseInt(version.substring(1, version.indexOf('.')));
        } catch (IOException | RuntimeException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }
}
