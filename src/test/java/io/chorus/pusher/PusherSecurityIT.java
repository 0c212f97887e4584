package io.chorus.pusher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

import io.chorus.testing.PusherTestSocket;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;
import io.smallrye.jwt.build.Jwt;

/**
 * The Pusher endpoint of a replica whose app shares the native rooms, against the holes of a security review: token
 * grants hold for Pusher sockets too, nobody forges Pusher protocol events, subscribe churn floods no webhook queue,
 * signed requests are not replayed, and subscriptions spend the connection's command budget. Speaks Pusher with a JVM
 * client ({@link PusherTestSocket}), so it needs no Node.
 */
class PusherSecurityIT {

    private static final String ISSUER = "https://auth.chorus.test";
    private static final String APP_ID = "1001";
    private static final String KEY = "main-key";
    private static final String SECRET = "main-secret";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration QUIET = Duration.ofMillis(700);

    static KeyPair keys;
    static ReplicaProcess replica;
    static HttpServer webhookReceiver;
    static final BlockingQueue<JsonNode> webhookEvents = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        keys = generator.generateKeyPair();
        webhookReceiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhookReceiver.createContext("/hooks", exchange -> {
            JsonNode body = TestClient.parse(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            body.path("events").forEach(webhookEvents::add);
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        webhookReceiver.start();
        replica = ReplicaProcess.start("pusher-security", null, "chorus.auth.anonymous=false",
                "mp.jwt.verify.publickey=" + Base64.getEncoder().encodeToString(keys.getPublic().getEncoded()),
                "mp.jwt.verify.issuer=" + ISSUER,
                "chorus.limits.publish-rate=50", "chorus.limits.publish-burst=100",
                "chorus.pusher.apps.main.id=" + APP_ID, "chorus.pusher.apps.main.key=" + KEY,
                "chorus.pusher.apps.main.secret=" + SECRET, "chorus.pusher.apps.main.native-rooms=true",
                "chorus.pusher.apps.main.public-rooms=lobby*",
                "chorus.pusher.apps.main.webhook-url=http://127.0.0.1:" + webhookReceiver.getAddress().getPort() + "/hooks",
                "chorus.pusher.replay-guard=true");
    }

    @AfterAll
    static void stop() {
        if (replica != null) {
            replica.close();
        }
        if (webhookReceiver != null) {
            webhookReceiver.stop(0);
        }
    }

    private static TestClient connectNative(String sub, Map<String, Object> grant) {
        String token = Jwt.issuer(ISSUER).subject(sub).expiresAt(Instant.now().plusSeconds(300)).claim("chorus", grant)
                .sign(keys.getPrivate());
        TestClient client = TestClient.connectRaw(URI.create(replica.baseUri().toString().replaceFirst("^http", "ws")
                + "ws?token=" + token));
        client.next("welcome");
        return client;
    }

    private static PusherTestSocket connectPusher() {
        return PusherTestSocket.connect(replica.baseUri(), KEY);
    }

    @Test
    void pusherSocketCannotSubscribeToANativeRoomOutsideThePublicRooms() {
        try (TestClient outsider = connectNative("outsider", Map.of("subscribe", List.of("lobby*")));
                PusherTestSocket anonymous = connectPusher()) {
            outsider.send("{\"type\":\"join\",\"room\":\"team-b-secret\",\"ref\":\"j\"}");
            assertEquals("forbidden", outsider.next("error").get("code").asText(), "the token forbids the room");

            anonymous.subscribe("team-b-secret");
            JsonNode refused = anonymous.subscriptionAnswer("team-b-secret");
            assertEquals("pusher:subscription_error", refused.get("event").asText());
            assertEquals(403, refused.get("data").get("status").asInt());

            anonymous.subscribe("lobby-pusher");
            assertEquals("pusher_internal:subscription_succeeded", anonymous.subscriptionAnswer("lobby-pusher")
                    .get("event").asText(), "a public room allowed by public-rooms opens");
        }
    }

    @Test
    void nativeClientCannotForgeAPusherMemberAddedAndMessagesStillFlow() {
        try (TestClient forger = connectNative("forger", Map.of());
                PusherTestSocket watcher = connectPusher()) {
            watcher.subscribe("lobby-forgery");
            watcher.subscriptionAnswer("lobby-forgery");
            forger.join("lobby-forgery");
            forger.send("{\"type\":\"publish\",\"room\":\"lobby-forgery\",\"ref\":\"f\",\"payload\":"
                    + "{\"event\":\"pusher_internal:member_added\",\"data\":{\"user_id\":\"ghost\"}}}");
            JsonNode refused = forger.next(f -> "f".equals(f.path("ref").asText()), TestClient.TIMEOUT);
            assertEquals("forbidden", refused.get("code").asText());
            forger.publishTo("lobby-forgery", "{\"event\":\"real\",\"data\":{\"n\":1}}");
            JsonNode real = watcher.next("real", "lobby-forgery");
            assertEquals(1, TestClient.parse(real.get("data").asText()).get("n").asInt());
            List<JsonNode> seen = watcher.framesWithin(QUIET);
            assertTrue(seen.stream().noneMatch(f -> f.path("event").asText().startsWith("pusher_internal:member")),
                    seen.toString());
        }
    }

    @Test
    void httpApiRefusesReservedEventNames() throws Exception {
        String body = "{\"name\":\"pusher_internal:member_added\",\"channel\":\"lobby\",\"data\":\"{\\\"user_id\\\":\\\"x\\\"}\"}";
        HttpResponse<String> response = post("/apps/" + APP_ID + "/events", body, Instant.now().getEpochSecond());
        assertEquals(400, response.statusCode(), response.body());
    }

    @Test
    void exactReplayOfASignedTriggerIsRefused() throws Exception {
        String body = "{\"name\":\"once\",\"channel\":\"lobby\",\"data\":\"{}\"}";
        URI signed = signedUri("POST", "/apps/" + APP_ID + "/events", body, Instant.now().getEpochSecond());
        assertEquals(200, send(signed, body).statusCode());
        HttpResponse<String> replay = send(signed, body);
        assertEquals(401, replay.statusCode());
        assertTrue(replay.body().contains("Replayed"), replay.body());
    }

    @Test
    void subscribeChurnQueuesNoOccupancyWebhooksAheadOfAMemberAdded() {
        try (PusherTestSocket churner = connectPusher(); PusherTestSocket member = connectPusher()) {
            for (int i = 0; i < 20; i++) {
                churner.subscribe("lobby-churn-" + i);
                churner.unsubscribe("lobby-churn-" + i);
            }
            member.subscribe("presence-room", SECRET, "{\"user_id\":\"mia\"}");
            assertEquals("pusher_internal:subscription_succeeded", member.subscriptionAnswer("presence-room")
                    .get("event").asText());
            List<JsonNode> later = new java.util.ArrayList<>();
            JsonNode added = nextWebhook(w -> "member_added".equals(w.path("name").asText()), later);
            assertEquals("mia", added.get("user_id").asText());
            later.addAll(webhooksWithin(Duration.ofSeconds(4))); // longer than the 2 s merge window
            assertTrue(later.stream().noneMatch(w -> w.path("channel").asText().startsWith("lobby-churn-")),
                    "channels occupied and vacated within the merge window send nothing: " + later);
            assertTrue(later.stream().anyMatch(w -> "channel_occupied".equals(w.path("name").asText())
                    && "presence-room".equals(w.path("channel").asText())), "a channel that stays occupied is: " + later);
        }
    }

    @Test
    void pusherSubscriptionsSpendTheConnectionsCommandBudget() {
        try (PusherTestSocket flooder = connectPusher()) {
            for (int i = 0; i < 150; i++) {
                flooder.subscribe("lobby-flood-" + i);
                flooder.unsubscribe("lobby-flood-" + i);
            }
            JsonNode limited = flooder.next("pusher:subscription_error", null);
            JsonNode data = limited.get("data");
            assertEquals(429, data.get("status").asInt());
            assertTrue(data.get("error").asText().contains("Rate limit"), data.toString());
        }
    }

    /** The next webhook event that is wanted; the others that came before it go to {@code passed}. */
    private static JsonNode nextWebhook(java.util.function.Predicate<JsonNode> wanted, List<JsonNode> passed) {
        long deadline = System.nanoTime() + TestClient.TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                JsonNode event = webhookEvents.poll(100, TimeUnit.MILLISECONDS);
                if (event != null && wanted.test(event)) {
                    return event;
                } else if (event != null) {
                    passed.add(event);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("no such webhook within " + TestClient.TIMEOUT);
    }

    private static List<JsonNode> webhooksWithin(Duration window) {
        List<JsonNode> seen = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + window.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                JsonNode event = webhookEvents.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (event != null) {
                    seen.add(event);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return seen;
    }

    private static HttpResponse<String> post(String path, String body, long timestamp) throws Exception {
        return send(signedUri("POST", path, body, timestamp), body);
    }

    private static HttpResponse<String> send(URI uri, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A URI signed as Pusher's server SDKs sign: auth_* and body_md5 in the query, sorted, HMAC of method, path, query. */
    private static URI signedUri(String method, String path, String body, long timestamp) throws Exception {
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body.getBytes(StandardCharsets.UTF_8)));
        String query = "auth_key=" + KEY + "&auth_timestamp=" + timestamp + "&auth_version=1.0&body_md5=" + md5;
        String signature = PusherTestSocket.hmac(SECRET, method + "\n" + path + "\n" + query);
        return URI.create(replica.baseUri().toString().replaceAll("/$", "") + path + "?" + query + "&auth_signature="
                + signature);
    }
}
