package io.chorus.transport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.RedisTestResource;
import io.chorus.testing.TestClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** Rooms, direct messages and presence on one replica, against a real Redis. */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class RoomsTest {

    private static final Duration QUIET = Duration.ofMillis(500);

    @TestHTTPResource("/")
    URI base;

    private static String room() {
        return "room-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void joinIsAnsweredWithJoinedAndEchoesTheRef() {
        try (TestClient alice = TestClient.connect(base, "alice")) {
            String room = room();
            alice.send("{\"type\":\"join\",\"room\":\"" + room + "\",\"ref\":\"j1\"}");
            JsonNode joined = alice.next("joined");
            assertEquals(room, joined.get("room").asText());
            assertEquals("j1", joined.get("ref").asText());
        }
    }

    @Test
    void roomMessageReachesEveryMemberOnceAndNobodyElse() {
        String room = room();
        try (TestClient alice = TestClient.connect(base, "alice"); TestClient bob = TestClient.connect(base, "bob");
                TestClient outsider = TestClient.connect(base, "outsider")) {
            alice.join(room);
            bob.join(room);
            alice.publishTo(room, "{\"text\":\"hi room\"}");
            for (TestClient member : List.of(alice, bob)) {
                JsonNode message = member.next("message");
                assertEquals(room, message.get("room").asText());
                assertEquals("hi room", message.get("payload").get("text").asText());
            }
            for (TestClient member : List.of(alice, bob)) {
                assertEquals(List.of(), member.messagesWithin(QUIET), "exactly one delivery");
            }
            assertEquals(0, outsider.messagesWithin(QUIET).size(), "not a member, not a recipient");
        }
    }

    @Test
    void nonMemberMayPublishToARoomButGetsNoCopy() {
        String room = room();
        try (TestClient member = TestClient.connect(base, "member"); TestClient visitor = TestClient.connect(base, "visitor")) {
            member.join(room);
            visitor.send("{\"type\":\"publish\",\"room\":\"" + room + "\",\"ref\":\"v1\",\"payload\":\"knock\"}");
            assertEquals("v1", visitor.next("ack").get("ref").asText());
            assertEquals("knock", member.next("message").get("payload").asText());
            assertEquals(0, visitor.messagesWithin(QUIET).size());
        }
    }

    @Test
    void leftMemberReceivesNothingMoreFromTheRoom() {
        String room = room();
        try (TestClient stayer = TestClient.connect(base, "stayer"); TestClient leaver = TestClient.connect(base, "leaver")) {
            stayer.join(room);
            leaver.join(room);
            leaver.send("{\"type\":\"leave\",\"room\":\"" + room + "\",\"ref\":\"l1\"}");
            assertEquals("l1", leaver.next("left").get("ref").asText());
            stayer.publishTo(room, "\"after leave\"");
            assertEquals("after leave", stayer.next("message").get("payload").asText());
            assertEquals(0, leaver.messagesWithin(QUIET).size());
        }
    }

    @Test
    void broadcastStillReachesEveryoneWhateverTheirRooms() {
        try (TestClient inRoom = TestClient.connect(base, "inroom"); TestClient lobby = TestClient.connect(base, "lobby")) {
            inRoom.join(room());
            lobby.publish("\"to all\"", "b1");
            JsonNode broadcast = inRoom.next("message");
            assertEquals("to all", broadcast.get("payload").asText());
            assertTrue(!broadcast.has("room"), "a broadcast names no room");
        }
    }

    @Test
    void invalidRoomNamesGetInvalidRoom() {
        try (TestClient client = TestClient.connect(base, "namer")) {
            for (String room : List.of("\"\"", "\"" + "x".repeat(129) + "\"", "\"has space\"", "\"emoji😀\"", "\"a\\u0000b\"",
                    "42", "[\"a\"]", "\"@online\"")) {
                client.send("{\"type\":\"join\",\"room\":" + room + ",\"ref\":\"bad\"}");
                JsonNode error = client.next("error");
                assertEquals("invalid_room", error.get("code").asText(), "room " + room);
            }
            client.send("{\"type\":\"join\",\"ref\":\"nr\"}");
            assertEquals("missing_field", client.next("error").get("code").asText());
        }
    }

    @Test
    void userWithTwoTabsJoinsOnceAndLeavesWhenTheLastTabCloses() {
        String room = room();
        try (TestClient watcher = TestClient.connect(base, "watcher")) {
            watcher.join(room);
            TestClient tab1 = TestClient.connect(base, "carol");
            TestClient tab2 = TestClient.connect(base, "carol");
            tab1.join(room);
            JsonNode joined = watcher.next(f -> "member_joined".equals(f.path("type").asText())
                    && "carol".equals(f.path("user").asText()), TestClient.TIMEOUT);
            assertEquals(room, joined.get("room").asText());
            tab2.join(room);
            assertEquals(Set.of("carol", "watcher"), watcher.members(room));
            assertTrue(watcher.framesWithin(QUIET).stream().noneMatch(f -> "member_joined".equals(f.path("type").asText())),
                    "carol's second tab does not join her again");

            tab1.close();
            assertTrue(watcher.framesWithin(QUIET).stream().noneMatch(f -> "member_left".equals(f.path("type").asText())),
                    "carol still has a tab in the room");
            tab2.close();
            JsonNode left = watcher.next("member_left");
            assertEquals("carol", left.get("user").asText());
            assertEquals(room, left.get("room").asText());
            assertEquals(Set.of("watcher"), watcher.members(room));
        }
    }

    @Test
    void clientsThatCloseRightAfterJoiningLeaveNoMemberBehindInWhatTheRoomHeard() {
        String room = room();
        try (TestClient watcher = TestClient.connect(base, "watcher");
                TestClient listener = TestClient.connect(base, "listener")) {
            watcher.join(room);
            listener.join(room);
            listener.drain();
            for (int i = 0; i < 50; i++) {
                TestClient hasty = TestClient.connect(base, "hasty-" + i);
                hasty.welcome();
                hasty.send("{\"type\":\"join\",\"room\":\"" + room + "\",\"ref\":\"j\"}");
                hasty.close(); // without waiting for joined: the close races the join
            }
            await().atMost(TestClient.TIMEOUT).until(() -> watcher.members(room).equals(Set.of("listener", "watcher")));

            // the events the listener heard, applied in the order they came, end where the records are
            Set<String> heard = new HashSet<>(Set.of("listener", "watcher"));
            for (JsonNode frame : listener.framesWithin(Duration.ofSeconds(2))) {
                String type = frame.path("type").asText();
                if ("member_joined".equals(type)) {
                    heard.add(frame.get("user").asText());
                } else if ("member_left".equals(type)) {
                    heard.remove(frame.get("user").asText());
                }
            }
            assertEquals(Set.of("listener", "watcher"), heard, "a member_joined came after its member_left");
        }
    }

    @Test
    void directMessageReachesEveryConnectionOfTheUserAndNobodyElse() {
        try (TestClient sender = TestClient.connect(base, "dm-sender");
                TestClient phone = TestClient.connect(base, "dave"); TestClient laptop = TestClient.connect(base, "dave");
                TestClient other = TestClient.connect(base, "erin")) {
            sender.send("{\"type\":\"direct\",\"to\":\"dave\",\"ref\":\"d1\",\"payload\":\"psst\"}");
            assertEquals("d1", sender.next("ack").get("ref").asText());
            for (TestClient device : List.of(phone, laptop)) {
                JsonNode message = device.next("message");
                assertEquals("psst", message.get("payload").asText());
                assertEquals("dave", message.get("to").asText());
                assertEquals("dm-sender", message.get("from").asText());
            }
            assertEquals(0, other.messagesWithin(QUIET).size());
            assertEquals(0, sender.messagesWithin(Duration.ofMillis(50)).size());
        }
    }

    @Test
    void directMessageToAnInvalidUserIdGetsInvalidField() {
        try (TestClient sender = TestClient.connect(base, "x")) {
            sender.send("{\"type\":\"direct\",\"to\":\"no spaces allowed\",\"payload\":1}");
            assertEquals("invalid_field", sender.next("error").get("code").asText());
        }
    }

    @Test
    void onlineCountsConnectedUsersOnce() {
        try (TestClient a = TestClient.connect(base, "online-a"); TestClient a2 = TestClient.connect(base, "online-a");
                TestClient b = TestClient.connect(base, "online-b")) {
            a.send("{\"type\":\"online\",\"ref\":\"o1\"}");
            JsonNode online = a.next("online");
            List<String> listed = new java.util.ArrayList<>();
            online.get("users").forEach(u -> listed.add(u.asText()));
            assertTrue(listed.containsAll(Set.of("online-a", "online-b")), listed.toString());
            assertEquals(listed.size(), new java.util.HashSet<>(listed).size(), "each user listed once: " + listed);
            assertEquals(listed.size(), online.get("count").asInt());
        }
    }
}
