package io.chorus.pusher;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * The Pusher protocol with clients nobody here wrote: pusher-js and the {@code pusher} server SDK (npm), run by
 * {@code src/test/js/pusher/scenarios.js}, against two replica processes on one Redis. App {@code 1001} shares the
 * native namespace and has client events and webhooks; app {@code 2002} is isolated and has neither.
 */
class PusherClientsIT {

    private static final String SECRET = "main-secret";

    static RedisProcess redis;
    static ReplicaProcess a;
    static ReplicaProcess b;
    static HttpServer webhookReceiver;
    static final List<Webhook> webhooks = new CopyOnWriteArrayList<>();
    static final AtomicInteger webhookRequests = new AtomicInteger();

    record Webhook(String key, String signature, String body) {
    }

    @BeforeAll
    static void startCluster() throws IOException {
        NodeScenario.assumeNodeAndPackages();
        webhookReceiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhookReceiver.createContext("/hooks", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            // The very first delivery fails: the webhook must come again
            int status = webhookRequests.incrementAndGet() == 1 ? 500 : 200;
            if (status == 200) {
                webhooks.add(new Webhook(exchange.getRequestHeaders().getFirst("X-Pusher-Key"),
                        exchange.getRequestHeaders().getFirst("X-Pusher-Signature"), body));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        webhookReceiver.start();
        redis = RedisProcess.start();
        String hooks = "http://127.0.0.1:" + webhookReceiver.getAddress().getPort() + "/hooks";
        String[] apps = {
                "chorus.pusher.apps.main.id=1001", "chorus.pusher.apps.main.key=main-key",
                "chorus.pusher.apps.main.secret=" + SECRET, "chorus.pusher.apps.main.native-rooms=true",
                "chorus.pusher.apps.main.client-events=true", "chorus.pusher.apps.main.webhook-url=" + hooks,
                "chorus.pusher.apps.main.public-rooms=*",
                "chorus.pusher.webhooks.retry-delay=200ms",
                "chorus.pusher.apps.quiet.id=2002", "chorus.pusher.apps.quiet.key=quiet-key",
                "chorus.pusher.apps.quiet.secret=quiet-secret" };
        a = ReplicaProcess.start("A", redis.hosts(), apps);
        b = ReplicaProcess.start("B", redis.hosts(), apps);
        await().atMost(Duration.ofSeconds(30)).until(() -> a.isReady() && b.isReady());
    }

    @AfterAll
    static void stopCluster() {
        for (AutoCloseable process : new AutoCloseable[] { a, b, redis }) {
            try {
                if (process != null) {
                    process.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
        if (webhookReceiver != null) {
            webhookReceiver.stop(0);
        }
    }

    private static Map<String, String> environment(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of(
                "REPLICA_A", a.baseUri().toString(), "REPLICA_B", b.baseUri().toString(),
                "APP_ID", "1001", "APP_KEY", "main-key", "APP_SECRET", SECRET,
                "QUIET_APP_ID", "2002", "QUIET_APP_KEY", "quiet-key", "QUIET_APP_SECRET", "quiet-secret"));
        env.putAll(extra);
        return env;
    }

    private static void passes(String scenario) {
        try (NodeScenario run = NodeScenario.start(scenario, environment(Map.of()))) {
            assertEquals(0, run.awaitExit(), run.output());
            assertTrue(run.output().contains("PASS " + scenario), run.output());
        }
    }

    private static String unique(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void httpTriggerReachesPusherJsSubscribersOnEveryReplica() {
        passes("http-trigger-reaches-subscribers-on-every-replica");
    }

    @Test
    void batchTriggerReachesEachChannel() {
        passes("batch-trigger-reaches-each-channel");
    }

    @Test
    void httpTriggerExcludesTheNamedSocket() {
        passes("http-trigger-excludes-the-named-socket");
    }

    @Test
    void presenceChannelsShareClusterWidePresence() {
        passes("presence-is-cluster-wide");
    }

    @Test
    void clientEventsReachOthersAcrossReplicasButNotTheSender() {
        passes("client-events-reach-others-not-the-sender");
    }

    @Test
    void presenceClientEventsCarryTheSendersUserId() {
        passes("presence-client-events-carry-the-user-id");
    }

    @Test
    void forgedChannelAuthorizationIsRefusedWith4009() {
        passes("forged-channel-authorization-is-refused");
    }

    @Test
    void clientEventsAreRefusedWith4009WhenTheAppDisablesThem() {
        passes("client-events-are-refused-when-the-app-disables-them");
    }

    @Test
    void clientEventFloodIsRefusedWith4301() {
        passes("client-event-flood-is-refused-with-4301");
    }

    @Test
    void httpApiRefusesForgedSignaturesAndExpiredTimestampsWith401() {
        passes("http-api-refuses-bad-signatures-and-old-timestamps");
    }

    @Test
    void appsWithTheSameChannelNameAreIsolated() {
        passes("apps-are-isolated");
    }

    @Test
    void nativeRoomMessageReachesPusherJsSubscriberOnTheOtherReplica() {
        String room = unique("interop-");
        try (NodeScenario listener = NodeScenario.start("listen",
                environment(Map.of("CHANNEL", room, "COUNT", "2", "REPLICA", "REPLICA_A")));
                TestClient nativeOnB = b.connect("nina")) {
            listener.awaitLine("READY");
            nativeOnB.publishTo(room, "{\"event\":\"greeting\",\"data\":{\"text\":\"hi\"}}");
            nativeOnB.publishTo(room, "\"plain\"");
            assertEquals("EVENT greeting {\"text\":\"hi\"}", listener.awaitLine("EVENT"));
            assertEquals("EVENT message \"plain\"", listener.awaitLine("EVENT"));
            assertEquals(0, listener.awaitExit(), listener.output());
        }
    }

    @Test
    void httpApiEventReachesNativeRoomMemberOnTheOtherReplica() {
        String room = unique("interop-");
        try (TestClient nativeOnA = a.connect("nora")) {
            nativeOnA.join(room);
            try (NodeScenario trigger = NodeScenario.start("trigger", environment(Map.of("CHANNEL", room,
                    "EVENT", "price", "DATA", "{\"eur\":3}", "REPLICA", "REPLICA_B")))) {
                assertEquals(0, trigger.awaitExit(), trigger.output());
            }
            JsonNode message = nativeOnA.next("message");
            assertEquals(room, message.get("room").asText());
            assertEquals("price", message.get("payload").get("event").asText());
            assertEquals("{\"eur\":3}", message.get("payload").get("data").asText(), "the data as the SDK sent it");
            assertEquals("B", message.get("replica").asText());
            assertFalse(message.has("from"), "no user sent it");
        }
    }

    @Test
    void nativeMembersAndPusherMembersShareOnePresence() {
        String room = unique("presence-mixed-");
        try (NodeScenario carol = NodeScenario.start("member",
                environment(Map.of("CHANNEL", room, "USER_ID", "carol", "REPLICA", "REPLICA_A")));
                TestClient dave = b.connect("dave")) {
            carol.awaitLine("READY");
            dave.join(room);
            assertEquals(java.util.Set.of("carol", "dave"), dave.members(room));
            carol.say("bye");
            assertEquals(0, carol.awaitExit(), carol.output());
        }
    }

    @Test
    void unknownAppKeyIsRefusedWith4001() {
        try (TestClient client = TestClient.connectRaw(pusherUri(a, "no-such-key", "7"))) {
            JsonNode error = client.next();
            assertEquals("pusher:error", error.get("event").asText());
            assertEquals(4001, error.get("data").get("code").asInt());
            assertEquals(4001, client.awaitCloseCode());
        }
    }

    @Test
    void unsupportedProtocolVersionIsRefusedWith4007() {
        try (TestClient client = TestClient.connectRaw(pusherUri(a, "main-key", "3"))) {
            assertEquals(4007, client.awaitCloseCode());
        }
    }

    @Test
    void connectionEstablishedCarriesASocketIdAndTheActivityTimeout() {
        try (TestClient client = TestClient.connectRaw(pusherUri(b, "main-key", "7"))) {
            JsonNode established = client.next();
            assertEquals("pusher:connection_established", established.get("event").asText());
            JsonNode data = TestClient.parse(established.get("data").asText());
            assertTrue(data.get("socket_id").asText().matches("\\d+\\.\\d+"), data.toString());
            assertEquals(30, data.get("activity_timeout").asInt());
            client.send("{\"event\":\"pusher:ping\",\"data\":{}}");
            assertEquals("pusher:pong", client.next().get("event").asText());
        }
    }

    @Test
    void webhooksAreSignedRetriedAndSentOnceAcrossTheCluster() throws Exception {
        String channel = unique("presence-hooked-");
        try (NodeScenario erin = NodeScenario.start("member",
                environment(Map.of("CHANNEL", channel, "USER_ID", "erin", "REPLICA", "REPLICA_B")))) {
            erin.awaitLine("READY");
            await().atMost(Duration.ofSeconds(20)).until(() -> names(channel).containsAll(List.of("channel_occupied", "member_added")));
            erin.say("bye");
            assertEquals(0, erin.awaitExit(), erin.output());
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> names(channel).containsAll(List.of("member_removed", "channel_vacated")));
        assertTrue(webhookRequests.get() > webhooks.size(), "the failed first delivery was retried");
        assertEquals(List.of("channel_occupied", "member_added", "member_removed", "channel_vacated").stream().sorted().toList(),
                names(channel).stream().sorted().toList(), "each webhook exactly once");
        for (Webhook hook : webhooks) {
            assertEquals("main-key", hook.key());
            assertEquals(hmac(SECRET, hook.body()), hook.signature(), "X-Pusher-Signature is the body's HMAC");
        }
        JsonNode added = webhooks.stream().map(h -> TestClient.parse(h.body()).get("events").get(0))
                .filter(e -> e.get("channel").asText().equals(channel) && e.get("name").asText().equals("member_added"))
                .findFirst().orElseThrow();
        assertEquals("erin", added.get("user_id").asText());
        double delivered = webhooksDelivered(a) + webhooksDelivered(b);
        assertTrue(delivered >= 4, "the replicas count what they delivered: " + delivered);
    }

    private static double webhooksDelivered(ReplicaProcess replica) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("^chorus_pusher_webhooks_total\\{[^}]*outcome=\"delivered\"[^}]*\\} ([0-9.eE+-]+)$",
                        java.util.regex.Pattern.MULTILINE)
                .matcher(replica.get("/q/metrics"));
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static List<String> names(String channel) {
        return webhooks.stream().flatMap(h -> {
            List<String> found = new java.util.ArrayList<>();
            TestClient.parse(h.body()).get("events").forEach(e -> {
                if (e.get("channel").asText().equals(channel)) {
                    found.add(e.get("name").asText());
                }
            });
            return found.stream();
        }).toList();
    }

    private static String hmac(String secret, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return java.util.HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    private static URI pusherUri(ReplicaProcess replica, String key, String protocol) {
        String ws = replica.baseUri().toString().replaceFirst("^http", "ws").replaceAll("/$", "");
        return URI.create(ws + "/app/" + key + "?protocol=" + protocol + "&client=java&version=1");
    }
}
