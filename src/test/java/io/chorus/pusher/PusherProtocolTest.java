package io.chorus.pusher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.chorus.testing.PusherTestSocket;
import io.chorus.testing.RedisTestResource;
import io.chorus.testing.TestClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The Pusher endpoint, {@code /app/{key}?protocol=7} (docs/pusher.md), spoken from the JVM with
 * {@link PusherTestSocket}: the protocol is tested here whether or not the npm packages of {@code PusherClientsIT} are
 * installed. One replica on a real Redis; its app shares the native rooms, opens every public channel and allows
 * client events.
 */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
@TestProfile(PusherProtocolTest.Profile.class)
class PusherProtocolTest {

    public static class Profile implements QuarkusTestProfile {
        static final String KEY = "protocol-key";
        static final String SECRET = "protocol-secret";

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("chorus.pusher.apps.protocol.id", "3003", "chorus.pusher.apps.protocol.key", KEY,
                    "chorus.pusher.apps.protocol.secret", SECRET, "chorus.pusher.apps.protocol.native-rooms", "true",
                    "chorus.pusher.apps.protocol.public-rooms", "*", "chorus.pusher.apps.protocol.client-events", "true");
        }
    }

    private static final Duration QUIET = Duration.ofMillis(500);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URI base;

    private PusherTestSocket connect() {
        return PusherTestSocket.connect(base, Profile.KEY);
    }

    private static String channel(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 8);
    }

    private static JsonNode dataOf(JsonNode event) {
        return TestClient.parse(event.get("data").asText());
    }

    private static String member(String user, String name) {
        return "{\"user_id\":\"" + user + "\",\"user_info\":{\"name\":\"" + name + "\"}}";
    }

    private TestClient connectRaw(String pathAndQuery) {
        return TestClient.connectRaw(URI.create(base.toString().replaceFirst("^http", "ws").replaceAll("/$", "")
                + pathAndQuery));
    }

    @Test
    void connectionIsEstablishedWithASocketIdAndTheActivityTimeout() {
        try (TestClient raw = connectRaw("/app/" + Profile.KEY + "?protocol=7")) {
            JsonNode established = raw.next();
            assertEquals("pusher:connection_established", established.get("event").asText());
            JsonNode data = dataOf(established);
            assertTrue(data.get("socket_id").asText().matches("\\d+\\.\\d+"), data.toString());
            assertEquals(30, data.get("activity_timeout").asInt());
        }
    }

    @Test
    void pingIsAnsweredWithPong() {
        try (PusherTestSocket socket = connect()) {
            socket.send("pusher:ping", JsonNodeFactory.instance.objectNode());
            socket.next("pusher:pong", null);
        }
    }

    @Test
    void publicChannelSubscriptionSucceedsWithoutASignature() {
        String channel = channel("public-");
        try (PusherTestSocket socket = connect()) {
            socket.subscribe(channel);
            JsonNode answer = socket.subscriptionAnswer(channel);
            assertEquals("pusher_internal:subscription_succeeded", answer.get("event").asText());
        }
    }

    @Test
    void messagePublishedOnWsReachesThePusherSubscriberOfTheMappedChannel() {
        String room = channel("interop-");
        try (PusherTestSocket socket = connect(); TestClient nativeClient = TestClient.connect(base, "nina")) {
            socket.subscribe(room);
            socket.subscriptionAnswer(room);
            nativeClient.publishTo(room, "{\"event\":\"greeting\",\"data\":{\"text\":\"hi\"}}");
            nativeClient.publishTo(room, "\"plain\"");
            assertEquals("hi", dataOf(socket.next("greeting", room)).get("text").asText());
            assertEquals("plain", socket.next("message", room).get("data").asText());
        }
    }

    @Test
    void privateChannelSubscriptionSignedWithTheSecretSucceeds() {
        String channel = channel("private-");
        try (PusherTestSocket socket = connect()) {
            socket.subscribe(channel, Profile.SECRET, null);
            assertEquals("pusher_internal:subscription_succeeded", socket.subscriptionAnswer(channel).get("event").asText());
        }
    }

    @Test
    void privateChannelSubscriptionWithABadSignatureIsRefusedWith4009AndTheSocketStaysOpen() {
        String channel = channel("private-");
        try (PusherTestSocket socket = connect()) {
            socket.subscribe(channel, "not-the-secret", null);
            JsonNode refused = socket.subscriptionAnswer(channel);
            assertEquals("pusher:subscription_error", refused.get("event").asText());
            assertEquals(401, refused.get("data").get("status").asInt());
            assertEquals(4009, socket.next("pusher:error", null).get("data").get("code").asInt());
            socket.send("pusher:ping", JsonNodeFactory.instance.objectNode());
            socket.next("pusher:pong", null);
        }
    }

    @Test
    void privateChannelSubscriptionWithoutAuthIsRefused() {
        String channel = channel("private-");
        try (PusherTestSocket socket = connect()) {
            socket.subscribe(channel);
            JsonNode refused = socket.subscriptionAnswer(channel);
            assertEquals("pusher:subscription_error", refused.get("event").asText());
            assertEquals("AuthError", refused.get("data").get("type").asText());
        }
    }

    @Test
    void presenceSubscriptionListsTheMembersIncludingTheSubscriber() {
        String channel = channel("presence-");
        try (PusherTestSocket alice = connect(); PusherTestSocket bob = connect()) {
            alice.subscribe(channel, Profile.SECRET, member("alice", "Alice"));
            JsonNode first = dataOf(alice.subscriptionAnswer(channel)).get("presence");
            assertEquals(1, first.get("count").asInt());
            assertEquals(List.of("alice"), ids(first));

            bob.subscribe(channel, Profile.SECRET, member("bob", "Bob"));
            JsonNode second = dataOf(bob.subscriptionAnswer(channel)).get("presence");
            assertEquals(2, second.get("count").asInt());
            assertEquals(List.of("alice", "bob"), ids(second).stream().sorted().toList());
            assertEquals("Alice", second.get("hash").get("alice").get("name").asText());
        }
    }

    @Test
    void presenceMembersHearMemberAddedAndMemberRemoved() {
        String channel = channel("presence-");
        try (PusherTestSocket alice = connect(); PusherTestSocket bob = connect()) {
            alice.subscribe(channel, Profile.SECRET, member("alice", "Alice"));
            alice.subscriptionAnswer(channel);
            bob.subscribe(channel, Profile.SECRET, member("bob", "Bob"));
            bob.subscriptionAnswer(channel);
            JsonNode added = dataOf(alice.next("pusher_internal:member_added", channel));
            assertEquals("bob", added.get("user_id").asText());
            assertEquals("Bob", added.get("user_info").get("name").asText());

            bob.unsubscribe(channel);
            assertEquals("bob", dataOf(alice.next("pusher_internal:member_removed", channel)).get("user_id").asText());
        }
    }

    @Test
    void presenceSubscriptionWithoutAUserIdIsRefusedWith4009() {
        String channel = channel("presence-");
        try (PusherTestSocket socket = connect()) {
            socket.subscribe(channel, Profile.SECRET, "{\"user_info\":{}}");
            assertEquals("pusher:subscription_error", socket.subscriptionAnswer(channel).get("event").asText());
            assertEquals(4009, socket.next("pusher:error", null).get("data").get("code").asInt());
        }
    }

    @Test
    void clientEventReachesTheOtherSubscribersButNotTheSender() {
        String channel = channel("private-");
        try (PusherTestSocket sender = connect(); PusherTestSocket other = connect()) {
            sender.subscribe(channel, Profile.SECRET, null);
            sender.subscriptionAnswer(channel);
            other.subscribe(channel, Profile.SECRET, null);
            other.subscriptionAnswer(channel);
            sender.trigger(channel, "client-typing", JSON.createObjectNode().put("who", "sender"));
            assertEquals("sender", dataOf(other.next("client-typing", channel)).get("who").asText());
            List<JsonNode> senderSaw = sender.framesWithin(QUIET);
            assertTrue(senderSaw.isEmpty(), "the sender gets no copy: " + senderSaw);
        }
    }

    @Test
    void clientEventOnAPublicChannelIsRefusedWith4009() {
        String channel = channel("public-");
        try (PusherTestSocket socket = connect()) {
            socket.subscribe(channel);
            socket.subscriptionAnswer(channel);
            socket.trigger(channel, "client-typing", JSON.createObjectNode());
            assertEquals(4009, socket.next("pusher:error", null).get("data").get("code").asInt());
        }
    }

    @Test
    void unsubscribedSocketReceivesNothingMoreFromTheChannel() {
        String room = channel("leave-");
        try (PusherTestSocket leaver = connect(); PusherTestSocket stayer = connect();
                TestClient nativeClient = TestClient.connect(base, "nick")) {
            for (PusherTestSocket socket : List.of(leaver, stayer)) {
                socket.subscribe(room);
                socket.subscriptionAnswer(room);
            }
            leaver.unsubscribe(room);
            // the unsubscribe is not answered: a ping after it is answered once the server has handled it
            leaver.send("pusher:ping", JsonNodeFactory.instance.objectNode());
            leaver.next("pusher:pong", null);
            nativeClient.publishTo(room, "\"after\"");
            assertEquals("after", stayer.next("message", room).get("data").asText());
            List<JsonNode> leaverSaw = leaver.framesWithin(QUIET);
            assertTrue(leaverSaw.isEmpty(), leaverSaw.toString());
        }
    }

    @Test
    void invalidChannelNameIsAnErrorWithoutACode() {
        try (PusherTestSocket socket = connect()) {
            socket.subscribe("has space");
            JsonNode error = socket.next("pusher:error", null);
            assertTrue(error.get("data").get("code").isNull(), error.toString());
        }
    }

    @Test
    void unknownAppKeyIsRefusedWith4001() {
        assertRefused("/app/no-such-key?protocol=7", 4001);
    }

    @Test
    void missingProtocolIsRefusedWith4008() {
        assertRefused("/app/" + Profile.KEY, 4008);
    }

    @Test
    void unsupportedProtocolIsRefusedWith4007() {
        assertRefused("/app/" + Profile.KEY + "?protocol=4", 4007);
    }

    private void assertRefused(String pathAndQuery, int code) {
        try (TestClient raw = connectRaw(pathAndQuery)) {
            JsonNode error = raw.next();
            assertEquals("pusher:error", error.get("event").asText());
            assertEquals(code, error.get("data").get("code").asInt());
            assertEquals(code, raw.awaitCloseCode());
        }
    }

    private static List<String> ids(JsonNode presence) {
        List<String> ids = new java.util.ArrayList<>();
        presence.get("ids").forEach(id -> ids.add(id.asText()));
        return ids;
    }
}
