package io.chorus.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.RedisTestResource;
import io.chorus.testing.TestClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(RedisTestResource.class)
class ChatSocketTest {

    private static final Duration QUIET = Duration.ofMillis(500);

    @TestHTTPResource("/")
    URI base;

    @Test
    void welcomeNamesTheReplicaTheConnectionAndTheUser() {
        try (TestClient alice = TestClient.connect(base, "alice")) {
            JsonNode welcome = alice.welcome();
            assertEquals(1, welcome.get("v").asInt());
            assertEquals("welcome", welcome.get("type").asText());
            assertEquals("alice", welcome.get("user").asText());
            assertFalse(welcome.get("replica").asText().isEmpty());
            assertFalse(welcome.get("connection").asText().isEmpty());
        }
    }

    @Test
    void connectionWithoutUserGetsAnAnonymousId() {
        try (TestClient a = TestClient.connect(base, null); TestClient b = TestClient.connect(base, null)) {
            assertTrue(a.welcome().get("user").asText().startsWith("anonymous-"));
            assertNotEquals(a.welcome().get("user").asText(), b.welcome().get("user").asText());
        }
    }

    @Test
    void publishedMessageReachesEveryConnectedClientExactlyOnceSenderIncluded() {
        try (TestClient u1 = TestClient.connect(base, "u1");
                TestClient u2 = TestClient.connect(base, "u2");
                TestClient u3 = TestClient.connect(base, "u3")) {
            u1.publish("{\"text\":\"hello\"}", "r1");
            for (TestClient client : List.of(u1, u2, u3)) {
                assertEquals("hello", client.next("message").get("payload").get("text").asText());
            }
            for (TestClient client : List.of(u1, u2, u3)) {
                assertEquals(List.of(), client.messagesWithin(QUIET), "exactly one delivery");
            }
        }
    }

    @Test
    void messageEventCarriesIdOriginReplicaSenderTimestampAndPayload() {
        try (TestClient sender = TestClient.connect(base, "sender"); TestClient reader = TestClient.connect(base, "reader")) {
            long before = System.currentTimeMillis();
            sender.publish("[1,{\"nested\":true},\"x\"]", "r1");
            JsonNode message = reader.next("message");
            assertEquals(1, message.get("v").asInt());
            assertTrue(message.get("id").asText().startsWith(sender.welcome().get("replica").asText() + "-"));
            assertEquals(sender.welcome().get("replica").asText(), message.get("replica").asText());
            assertEquals("sender", message.get("from").asText());
            long ts = message.get("ts").asLong();
            assertTrue(ts >= before - 1000 && ts <= System.currentTimeMillis() + 1000, "server timestamp " + ts);
            assertEquals(TestClient.parse("[1,{\"nested\":true},\"x\"]"), message.get("payload"));
        }
    }

    @Test
    void publishWithRefIsAcknowledgedWithTheMessageId() {
        try (TestClient sender = TestClient.connect(base, "acker")) {
            sender.publish("\"ping\"", "my-ref-7");
            // the ack and the sender's own copy may come in either order (docs/protocol.md)
            JsonNode first = sender.next(f -> "ack".equals(f.path("type").asText())
                    || "message".equals(f.path("type").asText()), TestClient.TIMEOUT);
            String other = "ack".equals(first.get("type").asText()) ? "message" : "ack";
            JsonNode second = sender.next(other);
            JsonNode ack = "ack".equals(other) ? second : first;
            JsonNode message = "ack".equals(other) ? first : second;
            assertEquals("my-ref-7", ack.get("ref").asText());
            assertEquals(message.get("id").asText(), ack.get("id").asText());
        }
    }

    @Test
    void publishWithoutRefIsNotAcknowledged() {
        try (TestClient sender = TestClient.connect(base, "quiet")) {
            sender.send("{\"type\":\"publish\",\"payload\":1}");
            sender.next("message");
            assertTrue(sender.drain().stream().noneMatch(f -> "ack".equals(f.path("type").asText())));
            assertTrue(sender.messagesWithin(QUIET).isEmpty());
        }
    }

    @Test
    void messagesFromOneSenderArriveInPublishOrder() {
        try (TestClient sender = TestClient.connect(base, "ordered"); TestClient reader = TestClient.connect(base, "reader")) {
            IntStream.range(0, 200).forEach(i -> sender.send("{\"type\":\"publish\",\"payload\":" + i + "}"));
            for (int i = 0; i < 200; i++) {
                assertEquals(i, reader.next("message").get("payload").asInt());
            }
        }
    }

    @Test
    void everyClientSeesMessagesFromSeveralSendersInTheSameOrder() {
        try (TestClient a = TestClient.connect(base, "a"); TestClient b = TestClient.connect(base, "b");
                TestClient c = TestClient.connect(base, "c")) {
            for (int i = 0; i < 50; i++) {
                a.send("{\"type\":\"publish\",\"payload\":\"a" + i + "\"}");
                b.send("{\"type\":\"publish\",\"payload\":\"b" + i + "\"}");
            }
            List<String> seenByA = ids(a, 100);
            assertEquals(seenByA, ids(b, 100));
            assertEquals(seenByA, ids(c, 100));
        }
    }

    private static List<String> ids(TestClient client, int n) {
        return IntStream.range(0, n).mapToObj(i -> client.next("message").get("id").asText()).toList();
    }
}
