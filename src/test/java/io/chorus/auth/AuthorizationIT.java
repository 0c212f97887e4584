package io.chorus.auth;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;
import io.restassured.http.ContentType;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;

/**
 * What a token's {@code chorus} claim allows — joining, publishing, seeing presence, private rooms — and who may call
 * the server API, on a replica in the prod profile.
 */
class AuthorizationIT {

    private static final String ISSUER = "https://auth.chorus.test";
    private static final String API_KEY = "it-api-key";
    private static final Duration QUIET = Duration.ofMillis(700);

    static KeyPair keys;
    static ReplicaProcess replica;

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        keys = generator.generateKeyPair();
        replica = ReplicaProcess.start("authz", null, "chorus.auth.anonymous=false",
                "mp.jwt.verify.publickey=" + Base64.getEncoder().encodeToString(keys.getPublic().getEncoded()),
                "mp.jwt.verify.issuer=" + ISSUER, "chorus.api.key=" + API_KEY, "chorus.api.guard-management=true");
    }

    @AfterAll
    static void stop() {
        if (replica != null) {
            replica.close();
        }
    }

    private static JwtClaimsBuilder claims(String sub) {
        return Jwt.issuer(ISSUER).subject(sub).expiresAt(Instant.now().plusSeconds(300));
    }

    private static TestClient connect(JwtClaimsBuilder claims) {
        TestClient client = TestClient.connectRaw(URI.create(replica.baseUri().toString().replaceFirst("^http", "ws")
                + "ws?token=" + claims.sign(keys.getPrivate())));
        client.next("welcome");
        return client;
    }

    private static TestClient connect(String sub, Map<String, Object> grant) {
        return connect(claims(sub).claim("chorus", grant));
    }

    /** The answer to a command with this ref: its reply, or the error it caused. */
    private static JsonNode answer(TestClient client, String command, String ref) {
        client.send(command);
        return client.next(f -> ref.equals(f.path("ref").asText()), TestClient.TIMEOUT);
    }

    private static String joinAnswer(TestClient client, String room) {
        JsonNode reply = answer(client, "{\"type\":\"join\",\"room\":\"" + room + "\",\"ref\":\"j-" + room + "\"}", "j-" + room);
        return reply.has("code") ? reply.get("code").asText() : reply.get("type").asText();
    }

    @Test
    void tokenWithoutAChorusClaimMayJoinPublicRoomsButNoPrivateOne() {
        try (TestClient client = connect(claims("plain"))) {
            assertEquals("joined", joinAnswer(client, "lobby"));
            assertEquals("forbidden", joinAnswer(client, "private-board"));
        }
    }

    @Test
    void subscribePatternsDecideWhichRoomsAUserMayJoin() {
        try (TestClient client = connect("teammate", Map.of("subscribe", List.of("team-7.*", "announcements")))) {
            assertEquals("joined", joinAnswer(client, "team-7.general"));
            assertEquals("joined", joinAnswer(client, "announcements"));
            assertEquals("forbidden", joinAnswer(client, "team-8.general"));
            assertEquals("forbidden", answer(client, "{\"type\":\"history\",\"room\":\"team-8.general\",\"ref\":\"h\"}", "h")
                    .get("code").asText(), "no reading a room one may not join");
            assertEquals("forbidden", joinAnswer(client, "announcements-2"));
        }
    }

    @Test
    void readOnlyMemberReceivesButItsPublishIsRefusedAndReachesNoOne() {
        try (TestClient reader = connect("reader", Map.of("subscribe", List.of("news"), "publish", List.of("none")));
                TestClient editor = connect("editor", Map.of("subscribe", List.of("news"), "publish", List.of("news")))) {
            reader.join("news");
            editor.join("news");
            JsonNode refused = answer(reader, "{\"type\":\"publish\",\"room\":\"news\",\"ref\":\"r1\",\"payload\":\"fake\"}", "r1");
            assertEquals("forbidden", refused.get("code").asText());
            editor.publishTo("news", "\"real\"");
            assertEquals("real", reader.next("message").get("payload").asText());
            assertEquals("real", editor.next("message").get("payload").asText(), "the refused publish reached no one");
            List<JsonNode> editorSaw = editor.messagesWithin(QUIET);
            assertTrue(editorSaw.isEmpty(), editorSaw.toString());
        }
    }

    @Test
    void privateRoomOpensOnlyToAnExactGrantOrAPrivatePattern() {
        try (TestClient wildcard = connect("wild", Map.of("subscribe", List.of("*")));
                TestClient member = connect("member", Map.of("subscribe", List.of("private-team-*")));
                TestClient invited = connect("invited", Map.of("subscribe", List.of("private-team-a")))) {
            assertEquals("forbidden", joinAnswer(wildcard, "private-team-a"));
            assertEquals("joined", joinAnswer(member, "private-team-a"));
            assertEquals("joined", joinAnswer(invited, "private-team-a"));
            assertEquals("forbidden", joinAnswer(invited, "private-team-b"));
        }
    }

    @Test
    void userPlaceholderGivesEachUserTheirOwnPrivateRoom() {
        try (TestClient alice = connect("alice", Map.of("subscribe", List.of("private-inbox-{user}")))) {
            assertEquals("joined", joinAnswer(alice, "private-inbox-alice"));
            assertEquals("forbidden", joinAnswer(alice, "private-inbox-bob"));
        }
    }

    @Test
    void userWithoutPresenceRightsNeitherListsMembersNorHearsThemComeAndGo() {
        String room = "stage";
        try (TestClient audience = connect("audience", Map.of("presence", List.of("none")));
                TestClient host = connect("host", Map.of())) {
            audience.join(room);
            host.join(room);
            JsonNode refused = answer(audience, "{\"type\":\"members\",\"room\":\"" + room + "\",\"ref\":\"m1\"}", "m1");
            assertEquals("forbidden", refused.get("code").asText());
            try (TestClient guest = connect("guest", Map.of())) {
                guest.join(room);
                host.next(f -> "member_joined".equals(f.path("type").asText()) && "guest".equals(f.path("user").asText()),
                        TestClient.TIMEOUT); // the host sees presence
                host.publishTo(room, "\"after the guest came\""); // travels behind the guest's member_joined
                List<JsonNode> seen = new ArrayList<>();
                do {
                    seen.add(audience.next());
                } while (!"after the guest came".equals(seen.get(seen.size() - 1).path("payload").asText()));
                assertTrue(seen.stream().noneMatch(f -> f.path("type").asText().startsWith("member_")), seen.toString());
            }
        }
    }

    @Test
    void broadcastAndOnlineCanBeWithheld() {
        try (TestClient client = connect("quiet", Map.of("broadcast", false, "online", false))) {
            assertEquals("forbidden", answer(client, "{\"type\":\"publish\",\"ref\":\"b1\",\"payload\":1}", "b1").get("code").asText());
            assertEquals("forbidden", answer(client, "{\"type\":\"online\",\"ref\":\"o1\"}", "o1").get("code").asText());
        }
    }

    @Test
    void malformedChorusClaimRefusesTheToken() {
        String token = claims("odd").claim("chorus", Map.of("subscribe", "lobby")).sign(keys.getPrivate());
        assertEquals(401, TestClient.upgradeStatus(URI.create(replica.baseUri().toString().replaceFirst("^http", "ws")
                + "ws?token=" + token), null));
    }

    @Test
    void serverApiAcceptsTheApiKeyAndAnAdminTokenAndRefusesOtherTokensWith403() {
        String admin = claims("ops").claim("scope", "openid chorus:admin").sign(keys.getPrivate());
        String user = claims("someone").claim("scope", "openid").sign(keys.getPrivate());
        for (String credential : List.of(API_KEY, admin)) {
            given().baseUri(replica.baseUri().toString()).header("Authorization", "Bearer " + credential)
                    .when().get("/api/online").then().statusCode(200);
        }
        given().baseUri(replica.baseUri().toString()).header("Authorization", "Bearer " + user)
                .contentType(ContentType.JSON).body("{\"payload\":1}")
                .when().post("/api/broadcast").then().statusCode(403);
        given().baseUri(replica.baseUri().toString())
                .when().get("/api/online").then().statusCode(401);
    }

    @Test
    void forbiddenCommandLeavesTheConnectionUsable() {
        try (TestClient client = connect("mixed", Map.of("subscribe", List.of("open")))) {
            assertEquals("forbidden", joinAnswer(client, "closed"));
            assertEquals("joined", joinAnswer(client, "open"));
            assertFalse(client.isClosed());
        }
    }

    @Test
    void directMessagesNeedTheDirectGrant() {
        try (TestClient mute = connect("mute", Map.of("publish", List.of("none"), "broadcast", false,
                "direct", List.of("none")));
                TestClient agent = connect("agent", Map.of("direct", List.of("support-*")));
                TestClient desk = connect("support-1", Map.of())) {
            assertEquals("forbidden", answer(mute, "{\"type\":\"direct\",\"to\":\"support-1\",\"ref\":\"d1\",\"payload\":1}",
                    "d1").get("code").asText());
            assertEquals("forbidden", answer(agent, "{\"type\":\"direct\",\"to\":\"mute\",\"ref\":\"d2\",\"payload\":1}",
                    "d2").get("code").asText());
            assertEquals("ack", answer(agent, "{\"type\":\"direct\",\"to\":\"support-1\",\"ref\":\"d3\",\"payload\":\"hi\"}",
                    "d3").get("type").asText());
            assertEquals("hi", desk.next("message").get("payload").asText());
            List<JsonNode> deskSaw = desk.messagesWithin(QUIET);
            assertTrue(deskSaw.isEmpty(), "the refused ones reached no one: " + deskSaw);
        }
    }

    @Test
    void userPlaceholderDoesNotLetAnIdWithTheSeparatorReachAnotherUsersRooms() {
        Map<String, Object> grant = Map.of("subscribe", List.of("{user}:*"));
        try (TestClient impostor = connect("alice:inbox", grant); TestClient alice = connect("alice", grant)) {
            assertEquals("forbidden", joinAnswer(impostor, "alice:inbox:2fa-codes"));
            assertEquals("joined", joinAnswer(alice, "alice:inbox:2fa-codes"));
        }
    }

    @Test
    void refreshWithANarrowerGrantLeavesTheRoomsItNoLongerAllows() {
        try (TestClient client = connect("shrinking", Map.of("subscribe", List.of("keep", "drop")));
                TestClient speaker = connect("speaker", Map.of())) {
            client.join("keep");
            client.join("drop");
            String narrower = claims("shrinking").claim("chorus", Map.of("subscribe", List.of("keep")))
                    .sign(keys.getPrivate());
            client.send("{\"type\":\"refresh\",\"token\":\"" + narrower + "\",\"ref\":\"r1\"}");
            JsonNode left = client.next(f -> "left".equals(f.path("type").asText()), TestClient.TIMEOUT);
            assertEquals("drop", left.get("room").asText());
            assertEquals("forbidden", left.get("reason").asText());
            assertEquals("refreshed", client.next(f -> "r1".equals(f.path("ref").asText()), TestClient.TIMEOUT)
                    .get("type").asText());
            assertEquals("forbidden", joinAnswer(client, "drop"), "the new grant decides joins too");
            speaker.join("drop");
            speaker.join("keep");
            speaker.publishTo("drop", "\"gone\"");
            speaker.publishTo("keep", "\"kept\"");
            List<JsonNode> seen = new ArrayList<>();
            do {
                seen.add(client.next());
            } while (!"kept".equals(seen.get(seen.size() - 1).path("payload").asText()));
            assertTrue(seen.stream().noneMatch(f -> "gone".equals(f.path("payload").asText())), seen.toString());
        }
    }

    @Test
    void historyFloodSpendsTheCommandBudgetAndIsRateLimited() {
        try (TestClient reader = connect("historian", Map.of())) {
            int sent = 1000;
            for (int i = 0; i < sent; i++) {
                reader.send("{\"type\":\"history\",\"room\":\"new-room-" + i + "\",\"ref\":\"h" + i + "\"}");
            }
            int limited = 0;
            for (int i = 0; i < sent; i++) {
                String ref = "h" + i;
                JsonNode reply = reader.next(f -> ref.equals(f.path("ref").asText()), TestClient.TIMEOUT);
                if ("rate_limited".equals(reply.path("code").asText())) {
                    limited++;
                }
            }
            assertTrue(limited > 0, "1000 history reads cost 2000, over a budget of 400 refilled at 200 a second");
            assertFalse(reader.isClosed());
        }
    }

    @Test
    void serverApiRefusesAPayloadNamingAPusherEvent() {
        given().baseUri(replica.baseUri().toString()).header("Authorization", "Bearer " + API_KEY)
                .contentType(ContentType.JSON)
                .body("{\"payload\":{\"event\":\"pusher_internal:member_added\",\"data\":{\"user_id\":\"ghost\"}}}")
                .when().post("/api/rooms/presence-team/messages").then().statusCode(400);
    }

    @Test
    void metricsAndOpenApiAskForTheApiKeyWhenGuardedWhileHealthStaysOpen() {
        for (String path : List.of("/q/metrics", "/q/openapi")) {
            given().baseUri(replica.baseUri().toString()).when().get(path).then().statusCode(401);
            given().baseUri(replica.baseUri().toString()).header("Authorization", "Bearer " + API_KEY)
                    .when().get(path).then().statusCode(200);
        }
        given().baseUri(replica.baseUri().toString()).when().get("/q/health/live").then().statusCode(200);
    }
}
