package io.chorus.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.RedisTestResource;
import io.chorus.testing.TestClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** The server API over real HTTP, with its effects seen by real WebSocket clients, on a real Redis. */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class ServerApiTest {

    private static final String KEY = "test-api-key"; // %test.chorus.api.key
    private static final Duration QUIET = Duration.ofMillis(500);

    @TestHTTPResource("/")
    URI base;

    private static String room() {
        return "api-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static RequestSpecification api() {
        return given().header("Authorization", "Bearer " + KEY).contentType(ContentType.JSON);
    }

    @Test
    void requestWithoutCredentialsIsRefusedWith401() {
        given().contentType(ContentType.JSON).body("{\"payload\":1}")
                .when().post("/api/broadcast")
                .then().statusCode(401).header("WWW-Authenticate", notNullValue()).body("error", equalTo("unauthorized"));
    }

    @Test
    void wrongApiKeyIsRefusedWith401AndNothingIsPublished() {
        String room = room();
        try (TestClient member = TestClient.connect(base, "member")) {
            member.join(room);
            given().header("Authorization", "Bearer not-the-key").contentType(ContentType.JSON).body("{\"payload\":1}")
                    .when().post("/api/rooms/" + room + "/messages")
                    .then().statusCode(401);
            assertEquals(0, member.messagesWithin(QUIET).size());
        }
    }

    @Test
    void forgedTokenInsteadOfTheKeyIsRefusedWith401() {
        given().header("Authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiIsInNjb3BlIjoiY2hvcnVzOmFkbWluIn0.")
                .when().get("/api/online")
                .then().statusCode(401);
    }

    @Test
    void publishToRoomReachesItsMembersAsAMessageFromTheServer() {
        String room = room();
        try (TestClient alice = TestClient.connect(base, "alice"); TestClient outsider = TestClient.connect(base, "outsider")) {
            alice.join(room);
            JsonNode answer = TestClient.parse(api().body("{\"payload\":{\"text\":\"from the backend\"}}")
                    .when().post("/api/rooms/" + room + "/messages")
                    .then().statusCode(202).body("id", notNullValue()).body("position.offset", equalTo(1))
                    .extract().asString());
            JsonNode message = alice.next("message");
            assertEquals("from the backend", message.get("payload").get("text").asText());
            assertEquals("server", message.get("from").asText());
            assertEquals(room, message.get("room").asText());
            assertEquals(answer.get("id").asText(), message.get("id").asText());
            assertEquals(answer.get("position").get("epoch").asText(), message.get("epoch").asText());
            assertEquals(0, outsider.messagesWithin(QUIET).size());
        }
    }

    @Test
    void publishToEveryoneReachesEveryClientWithTheGivenSender() {
        try (TestClient a = TestClient.connect(base, "a"); TestClient b = TestClient.connect(base, "b")) {
            String text = UUID.randomUUID().toString();
            api().body("{\"payload\":\"" + text + "\",\"from\":\"announcer\"}").when().post("/api/broadcast")
                    .then().statusCode(202).body("position", hasKey("epoch"));
            for (TestClient client : List.of(a, b)) {
                JsonNode message = client.next(m -> "message".equals(m.path("type").asText())
                        && text.equals(m.path("payload").asText()), TestClient.TIMEOUT);
                assertEquals("announcer", message.get("from").asText());
            }
        }
    }

    @Test
    void messageToAUserReachesEachOfItsConnectionsAndNoOneElse() {
        String user = "u-" + UUID.randomUUID().toString().substring(0, 6);
        try (TestClient phone = TestClient.connect(base, user); TestClient laptop = TestClient.connect(base, user);
                TestClient other = TestClient.connect(base, "other")) {
            api().body("{\"payload\":{\"n\":7}}").when().post("/api/users/" + user + "/messages")
                    .then().statusCode(202).body("id", notNullValue());
            for (TestClient connection : List.of(phone, laptop)) {
                JsonNode message = connection.next("message");
                assertEquals(7, message.get("payload").get("n").asInt());
                assertEquals(user, message.get("to").asText());
            }
            assertTrue(other.messagesWithin(QUIET).stream().noneMatch(m -> m.has("to")));
        }
    }

    @Test
    void membersOfARoomAreListedWithTheirCount() {
        String room = room();
        try (TestClient alice = TestClient.connect(base, "alice"); TestClient bob = TestClient.connect(base, "bob")) {
            alice.join(room);
            bob.join(room);
            api().when().get("/api/rooms/" + room + "/members")
                    .then().statusCode(200).body("count", equalTo(2)).body("users", hasItem("alice")).body("users", hasItem("bob"));
        }
    }

    @Test
    void onlineListsConnectedUsers() {
        String user = "on-" + UUID.randomUUID().toString().substring(0, 6);
        try (TestClient client = TestClient.connect(base, user)) {
            api().when().get("/api/online").then().statusCode(200).body("users", hasItem(user));
        }
    }

    @Test
    void historyGivesTheLatestMessagesInOrderAndThoseAfterAPosition() {
        String room = room();
        for (int i = 1; i <= 5; i++) {
            api().body("{\"payload\":" + i + "}").when().post("/api/rooms/" + room + "/messages").then().statusCode(202);
        }
        JsonNode latest = TestClient.parse(api().when().get("/api/rooms/" + room + "/history?limit=3")
                .then().statusCode(200).body("recoverable", equalTo(true)).extract().asString());
        assertEquals(List.of(3, 4, 5), latest.get("messages").findValues("payload").stream().map(JsonNode::asInt).toList());
        assertEquals(5, latest.get("position").get("offset").asInt());
        String epoch = latest.get("position").get("epoch").asText();

        JsonNode after = TestClient.parse(api().when().get("/api/rooms/" + room + "/history?since=1&epoch=" + epoch)
                .then().statusCode(200).extract().asString());
        assertEquals(List.of(2, 3, 4, 5), after.get("messages").findValues("payload").stream().map(JsonNode::asInt).toList());

        api().when().get("/api/rooms/" + room + "/history?since=1&epoch=another-epoch")
                .then().statusCode(200).body("recoverable", equalTo(false)).body("messages.size()", equalTo(0));
    }

    @Test
    void disconnectClosesEveryConnectionOfTheUserWith4005AndNoOneElses() {
        String user = "kick-" + UUID.randomUUID().toString().substring(0, 6);
        try (TestClient first = TestClient.connect(base, user); TestClient second = TestClient.connect(base, user);
                TestClient bystander = TestClient.connect(base, "bystander")) {
            api().when().delete("/api/users/" + user + "/connections").then().statusCode(202);
            assertEquals(4005, first.awaitCloseCode());
            assertEquals(4005, second.awaitCloseCode());
            bystander.send("{\"type\":\"online\",\"ref\":\"o\"}");
            bystander.next("online");
            assertFalse(bystander.isClosed());
        }
    }

    @Test
    void invalidInputGets400WithAnErrorCode() {
        api().body("{\"payload\":1}").when().post("/api/rooms/bad room!/messages").then().statusCode(400)
                .body("error", equalTo("bad_request"));
        api().body("{\"from\":\"x\"}").when().post("/api/broadcast").then().statusCode(400);
        api().body("{\"payload\":1,\"from\":\"not a user id!\"}").when().post("/api/broadcast").then().statusCode(400);
        api().when().get("/api/broadcast/history?limit=0").then().statusCode(400);
        api().when().get("/api/broadcast/history?since=3").then().statusCode(400);
    }

    @Test
    void openApiDocumentDescribesTheApiAndItsBearerScheme() {
        given().accept("application/json").when().get("/q/openapi")
                .then().statusCode(200)
                .body("paths", hasKey("/api/rooms/{room}/messages"))
                .body("paths", hasKey("/api/users/{user}/connections"))
                .body("components.securitySchemes", hasKey("bearer"));
    }
}
