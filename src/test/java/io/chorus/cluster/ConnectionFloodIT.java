package io.chorus.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * One client opening thousands of connections at once: as one user it gets {@code max-connections-per-user} of them
 * (the rest are refused with 429 or closed with 4029); as many users it fills the replica to
 * {@code max-connections} (the rest get 503 or 1013). The replica stays up, a bystander connected before loses no
 * message, and once the flood closes its connections the replica holds none of them.
 */
class ConnectionFloodIT {

    private static final int FLOOD = 2_000;
    private static final int MAX_CONNECTIONS = 1_500;
    private static final int MAX_PER_USER = 20;

    static ReplicaProcess replica;

    @BeforeAll
    static void start() {
        // the admission bound (chorus.limits.max-admitting, AdmissionStormIT) would refuse part of a 2,000-strong
        // flood with 503 before these limits see it: lifted, so the outcomes counted are these limits' alone
        replica = ReplicaProcess.start("flooded", null, "chorus.limits.max-connections=" + MAX_CONNECTIONS,
                "chorus.limits.max-connections-per-user=" + MAX_PER_USER, "chorus.limits.max-admitting=100000");
    }

    @AfterAll
    static void stop() {
        if (replica != null) {
            replica.close();
        }
    }

    /** How one connection attempt ended: "welcome" (admitted), "http-N" (upgrade refused) or "close-N". */
    private record Attempt(String outcome, WebSocket socket) {
    }

    private static List<Attempt> flood(IntFunction<String> userOf) {
        HttpClient http = HttpClient.newHttpClient();
        String base = replica.baseUri().toString().replaceFirst("^http", "ws") + "ws?user=";
        List<CompletableFuture<Attempt>> attempts = new ArrayList<>();
        for (int i = 0; i < FLOOD; i++) {
            CompletableFuture<String> outcome = new CompletableFuture<>();
            CompletableFuture<Attempt> attempt = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30))
                    .buildAsync(URI.create(base + userOf.apply(i)), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                            outcome.complete(data.toString().contains("\"type\":\"welcome\"") ? "welcome" : "other");
                            socket.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
                            outcome.complete("close-" + code);
                            return null;
                        }
                    })
                    .thenCompose(socket -> outcome.thenApply(o -> new Attempt(o, socket)))
                    .exceptionally(failure -> failure.getCause() instanceof WebSocketHandshakeException refused
                            ? new Attempt("http-" + refused.getResponse().statusCode(), null)
                            : new Attempt("failed-" + failure.getCause(), null));
            attempts.add(attempt);
        }
        return attempts.stream().map(a -> a.orTimeout(120, TimeUnit.SECONDS).join()).toList();
    }

    private static Map<String, Integer> tally(List<Attempt> attempts) {
        Map<String, Integer> outcomes = new TreeMap<>();
        attempts.forEach(a -> outcomes.merge(a.outcome(), 1, Integer::sum));
        return outcomes;
    }

    private static void closeAll(List<Attempt> attempts) {
        attempts.stream().filter(a -> a.socket() != null).forEach(a -> a.socket().abort());
    }

    private static int connectionsHeld() {
        return TestClient.parse(replica.get("/q/health/live")).findValue("connections").asInt();
    }

    private static void awaitConnectionsHeld(int expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (connectionsHeld() != expected && System.nanoTime() < deadline) {
            sleep(100);
        }
        assertEquals(expected, connectionsHeld(), "connections the replica still holds");
    }

    @Test
    void thousandsOfConnectionsAsOneUserYieldOnlyThePerUserLimit() {
        try (TestClient bystander = replica.connect("bystander")) {
            List<Attempt> attempts = flood(i -> "flooder");
            Map<String, Integer> outcomes = tally(attempts);
            assertEquals(MAX_PER_USER, outcomes.getOrDefault("welcome", 0), outcomes.toString());
            int refused = outcomes.getOrDefault("http-429", 0) + outcomes.getOrDefault("close-4029", 0);
            assertEquals(FLOOD - MAX_PER_USER, refused, outcomes.toString());
            bystander.publish("\"still here\"", "b1");
            assertEquals("still here", bystander.next("message").get("payload").asText());
            closeAll(attempts);
            awaitConnectionsHeld(1);
        }
    }

    @Test
    void thousandsOfConnectionsAsManyUsersFillTheReplicaToItsLimitAndNoFurther() {
        try (TestClient bystander = replica.connect("watcher")) {
            List<Attempt> attempts = flood(i -> "crowd-" + i);
            Map<String, Integer> outcomes = tally(attempts);
            assertEquals(MAX_CONNECTIONS - 1, outcomes.getOrDefault("welcome", 0), outcomes.toString()); // + watcher
            int refused = outcomes.getOrDefault("http-503", 0) + outcomes.getOrDefault("close-1013", 0);
            assertEquals(FLOOD - MAX_CONNECTIONS + 1, refused, outcomes.toString());
            assertEquals(200, replica.healthStatus("/q/health/live"));
            bystander.publish("\"crowded\"", "w1");
            assertEquals("crowded", bystander.next("message").get("payload").asText());
            closeAll(attempts);
            awaitConnectionsHeld(1);
            try (TestClient later = replica.connect("latecomer")) {
                assertEquals("latecomer", later.welcome().get("user").asText(), "room again once the flood left");
            }
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
