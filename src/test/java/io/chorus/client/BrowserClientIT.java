package io.chorus.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaProcess;

/**
 * The demo page and the JavaScript client in real headless Chromium (Debian's chromium driven by playwright-core):
 * two real replicas of the packaged jar on one real Redis, pages loaded from them. Each test runs one scenario of
 * {@code src/test/js/e2e}; screenshots go to {@code target/e2e-screenshots/}.
 */
class BrowserClientIT {

    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final Path SCREENSHOTS = Paths.get("target/e2e-screenshots").toAbsolutePath();

    @BeforeEach
    void needsChromium() {
        NodeScript.assumeChromium();
    }

    @Test
    void twoPagesOnTwoReplicasExchangeMessagesInARoom() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
                ReplicaProcess r1 = ReplicaProcess.start("r1", redis.hosts());
                ReplicaProcess r2 = ReplicaProcess.start("r2", redis.hosts())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> r1.isReady() && r2.isReady());
            NodeScript.Result result = scenario("two-pages-exchange-messages", List.of(r1, r2)).run(TIMEOUT);
            assertEquals(0, result.exitCode(), result.output());
            assertTrue(result.output().contains("scenario passed"), result.output());
        }
    }

    @Test
    void pageOfAKilledReplicaReconnectsToTheOtherAndRecoversMissedMessagesOnceInOrder() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
                ReplicaProcess r1 = ReplicaProcess.start("r1", redis.hosts());
                ReplicaProcess r2 = ReplicaProcess.start("r2", redis.hosts())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> r1.isReady() && r2.isReady());
            Map<String, ReplicaProcess> replicas = Map.of("r1", r1, "r2", r2);
            NodeScript.Result result = scenario("killed-replica-page-recovers", List.of(r1, r2))
                    .onRequest(request -> {
                        String[] words = request.split(" ");
                        if (words.length == 2 && words[0].equals("kill") && replicas.containsKey(words[1])) {
                            ReplicaProcess doomed = replicas.get(words[1]);
                            doomed.kill(); // SIGKILL: no goodbye, no 1001
                            return doomed.isAlive() ? "alive " + words[1] : "killed " + words[1];
                        }
                        return "unknown request: " + request;
                    })
                    .run(TIMEOUT);
            assertEquals(0, result.exitCode(), result.output());
            assertTrue(result.output().contains("scenario passed"), result.output());
            assertTrue(!r1.isAlive(), "the scenario killed r1");
        }
    }

    /** {@code node e2e/<name>.mjs}, told the replicas as {@code id=http://host:port/} pairs. */
    private static NodeScript scenario(String name, List<ReplicaProcess> replicas) {
        return NodeScript.node("e2e/" + name + ".mjs")
                .env("CHORUS_REPLICAS", replicas.stream().map(r -> r.id() + "=" + r.baseUri())
                        .collect(Collectors.joining(",")))
                .env("CHORUS_CHROMIUM", NodeScript.CHROMIUM)
                .env("CHORUS_SCREENSHOTS", SCREENSHOTS.resolve(name).toString());
    }
}
