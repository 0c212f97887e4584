package io.chorus.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.RedisTestResource;
import io.chorus.testing.TestClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** Positions on messages, and recovery of what a client missed while it was away. */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class RecoveryTest {

    private static final Duration QUIET = Duration.ofMillis(500);

    @TestHTTPResource("/")
    URI base;

    private static String room() {
        return "rec-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void historyGivesARoomsLatestMessagesThenThoseAfterAPosition() {
        String room = room();
        try (TestClient writer = TestClient.connect(base, "writer"); TestClient reader = TestClient.connect(base, "reader")) {
            for (int i = 1; i <= 5; i++) {
                writer.send("{\"type\":\"publish\",\"room\":\"" + room + "\",\"ref\":\"w" + i + "\",\"payload\":" + i + "}");
                writer.next("ack");
            }
            reader.send("{\"type\":\"history\",\"room\":\"" + room + "\",\"limit\":3,\"ref\":\"h1\"}");
            JsonNode latest = reader.next("history");
            assertEquals("h1", latest.get("ref").asText());
            assertEquals(room, latest.get("room").asText());
            assertTrue(latest.get("recoverable").asBoolean());
            assertEquals(List.of(3, 4, 5), latest.get("messages").findValues("payload").stream().map(JsonNode::asInt).toList());
            assertEquals(5, latest.get("position").get("offset").asLong());
            JsonNode third = latest.get("messages").get(0);
            reader.send("{\"type\":\"history\",\"room\":\"" + room + "\",\"ref\":\"h2\",\"since\":{\"offset\":"
                    + third.get("offset").asLong() + ",\"epoch\":\"" + third.get("epoch").asText() + "\"}}");
            assertEquals(List.of(4, 5), reader.next("history").get("messages").findValues("payload").stream()
                    .map(JsonNode::asInt).toList());
            assertEquals(0, reader.messagesWithin(QUIET).size(), "reading history is not joining");
        }
    }

    @Test
    void historyFromAnEpochThatIsGoneSaysSoWithNoMessages() {
        String room = room();
        try (TestClient client = TestClient.connect(base, "late")) {
            client.send("{\"type\":\"publish\",\"room\":\"" + room + "\",\"ref\":\"p\",\"payload\":1}");
            client.next("ack");
            client.send("{\"type\":\"history\",\"room\":\"" + room + "\",\"ref\":\"h\",\"since\":{\"offset\":0,\"epoch\":\"gone\"}}");
            JsonNode answer = client.next("history");
            assertFalse(answer.get("recoverable").asBoolean());
            assertEquals(0, answer.get("messages").size());
            client.send("{\"type\":\"history\",\"limit\":0,\"ref\":\"bad\"}");
            assertEquals("invalid_field", client.next("error").get("code").asText());
        }
    }

    @Test
    void roomMessagesCarryConsecutiveOffsetsAndTheEpochRightAfterTheirType() {
        String room = room();
        try (TestClient client = TestClient.connect(base, "positioned")) {
            client.join(room);
            client.publishTo(room, "1");
            client.publishTo(room, "2");
            JsonNode first = client.next("message");
            JsonNode second = client.next("message");
            assertEquals(List.of("v", "type", "offset", "epoch"), fieldNames(first).subList(0, 4));
            assertEquals(first.get("offset").asLong() + 1, second.get("offset").asLong());
            assertEquals(first.get("epoch").asText(), second.get("epoch").asText());
        }
    }

    @Test
    void ackAndJoinedCarryTheRoomsPosition() {
        String room = room();
        try (TestClient client = TestClient.connect(base, "acked")) {
            client.send("{\"type\":\"join\",\"room\":\"" + room + "\",\"ref\":\"j\"}");
            JsonNode joined = client.next("joined");
            assertEquals(0, joined.get("position").get("offset").asLong());
            assertFalse(joined.has("recovered"), "nothing was asked to recover");
            client.send("{\"type\":\"publish\",\"room\":\"" + room + "\",\"ref\":\"p\",\"payload\":1}");
            JsonNode ack = client.next("ack");
            assertEquals(1, ack.get("position").get("offset").asLong());
            // a room without history is at offset 0 of the empty epoch; its first message starts one
            assertEquals("", joined.get("position").get("epoch").asText());
            assertFalse(ack.get("position").get("epoch").asText().isEmpty());
        }
    }

    @Test
    void rejoiningWithTheLastPositionRecoversExactlyTheMissedMessagesInOrderBeforeLiveOnes() {
        String room = room();
        try (TestClient publisher = TestClient.connect(base, "pub")) {
            publisher.join(room);
            JsonNode last;
            try (TestClient reader = TestClient.connect(base, "reader")) {
                reader.join(room);
                for (int i = 0; i < 3; i++) {
                    publisher.publishTo(room, "\"before-" + i + "\"");
                }
                reader.next("message");
                reader.next("message");
                last = reader.next("message");
            }
            for (int i = 0; i < 5; i++) {
                publisher.publishTo(room, "\"missed-" + i + "\"");
            }
            for (int i = 0; i < 8; i++) {
                publisher.next("message");
            }
            try (TestClient back = TestClient.connect(base, "reader")) {
                back.send("{\"type\":\"join\",\"room\":\"" + room + "\",\"ref\":\"again\",\"since\":{\"offset\":"
                        + last.get("offset").asLong() + ",\"epoch\":\"" + last.get("epoch").asText() + "\"}}");
                JsonNode joined = back.next("joined");
                assertTrue(joined.get("recovered").asBoolean());
                for (int i = 0; i < 5; i++) {
                    JsonNode missed = back.next("message");
                    assertEquals("missed-" + i, missed.get("payload").asText());
                    assertEquals(last.get("offset").asLong() + 1 + i, missed.get("offset").asLong());
                }
                publisher.publishTo(room, "\"live\"");
                JsonNode next = back.next("message");
                assertEquals("live", next.get("payload").asText(), next + " then " + back.framesWithin(QUIET));
                assertEquals(0, back.messagesWithin(QUIET).size(), "no duplicates");
            }
        }
    }

    @Test
    void recoveringWhileMessagesKeepFlowingLosesNothingAndDoublesNothing() throws Exception {
        String room = room();
        try (TestClient publisher = TestClient.connect(base, "flow-pub")) {
            publisher.join(room);
            publisher.publishTo(room, "0");
            JsonNode first = publisher.next("message");
            Thread flow = new Thread(() -> { // a steady stream, paced so the join lands in the middle of it
                for (int i = 1; i <= 300; i++) {
                    publisher.publishTo(room, Integer.toString(i));
                    LockSupport.parkNanos(2_000_000);
                }
            });
            flow.start();
            try (TestClient reader = TestClient.connect(base, "flow-reader")) {
                reader.send("{\"type\":\"join\",\"room\":\"" + room + "\",\"since\":{\"offset\":"
                        + first.get("offset").asLong() + ",\"epoch\":\"" + first.get("epoch").asText() + "\"}}");
                JsonNode joined = reader.next();
                assertEquals("joined", joined.get("type").asText(), "nothing of the room before joined: " + joined);
                assertTrue(joined.get("recovered").asBoolean());
                long expected = first.get("offset").asLong() + 1;
                for (int i = 1; i <= 300; i++) {
                    JsonNode message = reader.next("message");
                    assertEquals(expected++, message.get("offset").asLong(), "consecutive, no gap, no duplicate");
                    assertEquals(i, message.get("payload").asInt());
                }
                assertEquals(0, reader.messagesWithin(QUIET).size());
            }
            flow.join(10_000);
        }
    }

    @Test
    void rejoiningFromAnotherEpochIsToldItCannotRecover() {
        String room = room();
        try (TestClient client = TestClient.connect(base, "stale")) {
            client.send("{\"type\":\"join\",\"room\":\"" + room
                    + "\",\"since\":{\"offset\":3,\"epoch\":\"gone-epoch\"}}");
            JsonNode joined = client.next("joined");
            assertFalse(joined.get("recovered").asBoolean());
            assertTrue(client.messagesWithin(QUIET).isEmpty());
        }
    }

    @Test
    void malformedSinceGetsInvalidField() {
        try (TestClient client = TestClient.connect(base, "badsince")) {
            for (String since : List.of("{\"offset\":-1,\"epoch\":\"e\"}", "{\"offset\":\"3\",\"epoch\":\"e\"}",
                    "{\"epoch\":\"e\"}", "{\"offset\":1}", "7", "{\"offset\":1.5,\"epoch\":\"e\"}")) {
                client.send("{\"type\":\"join\",\"room\":\"r\",\"since\":" + since + "}");
                assertEquals("invalid_field", client.next("error").get("code").asText(), since);
            }
        }
    }

    @Test
    void welcomeCarriesTheBroadcastPositionAndReconnectingFromItRecoversMissedBroadcasts() {
        try (TestClient publisher = TestClient.connect(base, "caster")) {
            JsonNode position;
            try (TestClient listener = TestClient.connect(base, "listener")) {
                position = listener.welcome().get("position");
                assertTrue(position.has("offset") && position.has("epoch"));
            }
            for (int i = 0; i < 4; i++) {
                publisher.publish("\"while-away-" + i + "\"", "c" + i);
            }
            for (int i = 0; i < 4; i++) {
                publisher.next("message");
            }
            URI resume = URI.create(base.toString().replaceFirst("^http", "ws") + "ws?user=listener&since="
                    + position.get("offset").asLong() + "&epoch=" + position.get("epoch").asText());
            try (TestClient back = TestClient.connectRaw(resume)) {
                JsonNode welcome = back.next("welcome");
                assertTrue(welcome.get("recovered").asBoolean());
                for (int i = 0; i < 4; i++) {
                    assertEquals("while-away-" + i, back.next("message").get("payload").asText());
                }
                assertEquals(0, back.messagesWithin(QUIET).size());
            }
        }
    }

    @Test
    void malformedSinceQueryClosesWith1008() {
        URI bad = URI.create(base.toString().replaceFirst("^http", "ws") + "ws?user=q&since=abc&epoch=e");
        try (TestClient client = TestClient.connectRaw(bad)) {
            assertEquals(1008, client.awaitCloseCode());
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
