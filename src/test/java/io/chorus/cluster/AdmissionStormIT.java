package io.chorus.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * {@code chorus.limits.max-admitting} (docs/protocol.md, "Try again later"): a storm of reconnecting clients over the
 * bound gets HTTP 503 with {@code Retry-After} before the upgrade completes, and every client whose upgrade was
 * accepted is welcomed with what it missed and stays connected, as does every client that was there before.
 */
class AdmissionStormIT {

    private static final int BOUND = 5;
    private static final int STORM = 60;

    static RedisProcess redis;
    static ReplicaProcess replica;

    @BeforeAll
    static void start() {
        redis = RedisProcess.start();
        replica = ReplicaProcess.start("admitting", redis.hosts(), "chorus.limits.max-admitting=" + BOUND);
    }

    @AfterAll
    static void stop() {
        if (replica != null) {
            replica.close();
        }
        if (redis != null) {
            redis.resume();
            redis.close();
        }
    }

    /** What one upgrade of the storm got: its client when accepted, else the refusal's status and Retry-After. */
    private record Attempt(TestClient client, int status, String retryAfter) {
    }

    @Test
    void stormOverTheBoundIsRefusedWith503AndRetryAfterWhileEveryAcceptedClientIsWelcomedAndStays() throws Exception {
        try (TestClient bystander = replica.connect("bystander")) {
            String since = null;
            for (int i = 0; i < 5; i++) {
                bystander.publish("\"before " + i + "\"", "b" + i);
                JsonNode ack = bystander.next("ack");
                since = "since=" + ack.path("position").path("offset").asLong() + "&epoch="
                        + ack.path("position").path("epoch").asText();
            }
            String ws = replica.baseUri().toString().replaceFirst("^http", "ws").replaceAll("/$", "") + "/ws?";
            bystander.drain();

            // Redis stalls: every admission waits on it, so the first few hold the bound while the rest arrive
            redis.suspend();
            List<Attempt> attempts = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<Attempt>> storm = new ArrayList<>();
                String recovery = since;
                for (int i = 0; i < STORM; i++) {
                    URI uri = URI.create(ws + "user=storm" + i + "&" + recovery);
                    storm.add(pool.submit(() -> upgrade(uri)));
                }
                for (Future<Attempt> attempt : storm) {
                    attempts.add(attempt.get(30, TimeUnit.SECONDS));
                }
            } finally {
                redis.resume();
                pool.shutdownNow();
            }
            try {
                List<Attempt> accepted = attempts.stream().filter(a -> a.client() != null).toList();
                List<Attempt> refused = attempts.stream().filter(a -> a.client() == null).toList();
                assertFalse(refused.isEmpty(), "the storm went over the bound of " + BOUND + ": some upgrades are refused");
                for (Attempt refusal : refused) {
                    assertEquals(503, refusal.status(), "a refusal says: try again later");
                    assertEquals("1", refusal.retryAfter(), "and when");
                }
                // the bound is exact: upgrades arriving together cannot pass between the check and the place
                assertEquals(BOUND, accepted.size(), "exactly the bound was admitted while Redis stalled");

                for (Attempt admitted : accepted) {
                    JsonNode welcome = admitted.client().next("welcome");
                    assertTrue(welcome.path("recovered").asBoolean(), "recovered after the stall: " + welcome);
                }
                // every accepted client stays: nothing closes it once Redis answers again (a quiet second to show it)
                bystander.framesWithin(Duration.ofSeconds(1));
                for (Attempt admitted : accepted) {
                    assertFalse(admitted.client().isClosed(), "an accepted client is never closed for the storm");
                }
                bystander.publish("\"after the storm\"", "after");
                assertEquals("after", bystander.next("ack").get("ref").asText());
                for (Attempt admitted : accepted) {
                    JsonNode message = admitted.client().next(f -> "message".equals(f.path("type").asText())
                            && "after the storm".equals(f.path("payload").asText()), TestClient.TIMEOUT);
                    assertEquals("bystander", message.path("from").asText());
                }
                assertFalse(bystander.isClosed());
                // the bound is free again: a newcomer is admitted at once
                try (TestClient newcomer = replica.connect("newcomer")) {
                    assertEquals("newcomer", newcomer.welcome().path("user").asText());
                }
            } finally {
                attempts.stream().filter(a -> a.client() != null).forEach(a -> a.client().close());
            }
        }
    }

    @Test
    void placesOfClientsThatLeaveBeforeTheirWelcomeAreGivenBack() throws Exception {
        String ws = replica.baseUri().toString().replaceFirst("^http", "ws").replaceAll("/$", "") + "/ws?user=";
        redis.suspend(); // nobody can be welcomed: every accepted upgrade holds its place until it leaves
        try {
            List<TestClient> holding = new ArrayList<>();
            for (int i = 0; i < BOUND; i++) {
                Attempt attempt = upgrade(URI.create(ws + "holder" + i));
                assertEquals(101, attempt.status(), "a place was free for holder " + i);
                holding.add(attempt.client());
            }
            Attempt over = upgrade(URI.create(ws + "over"));
            assertEquals(503, over.status(), "the bound is taken by clients still waiting for their welcome");

            holding.forEach(TestClient::close);
            // their places come back as their closes arrive, though none of them was ever welcomed
            Attempt after = null;
            long deadline = System.nanoTime() + TestClient.TIMEOUT.toNanos();
            while (System.nanoTime() < deadline && (after == null || after.status() != 101)) {
                after = upgrade(URI.create(ws + "after"));
                if (after.status() != 101) {
                    Thread.sleep(50);
                }
            }
            assertEquals(101, after.status(), "a place is free again once the holders left");
            after.client().close();
        } finally {
            redis.resume();
        }
    }

    private static Attempt upgrade(URI uri) {
        try {
            return new Attempt(TestClient.connectRaw(uri), 101, null);
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                return new Attempt(null, refused.getResponse().statusCode(),
                        refused.getResponse().headers().firstValue("Retry-After").orElse(null));
            }
            throw e;
        }
    }
}
