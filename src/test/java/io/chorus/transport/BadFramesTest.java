package io.chorus.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.URI;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.chorus.testing.RawWebSocket;
import io.chorus.testing.RedisTestResource;
import io.chorus.testing.TestClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** Each bad frame gets the outcome docs/protocol.md documents, and nobody else notices. */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class BadFramesTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void textThatIsNotJsonGetsInvalidJson() {
        assertErrorCode("hello there", "invalid_json");
    }

    @Test
    void truncatedJsonGetsInvalidJson() {
        assertErrorCode("{\"type\":\"publish\",\"payload\":", "invalid_json");
    }

    @Test
    void jsonFollowedByGarbageGetsInvalidJson() {
        assertErrorCode("{\"type\":\"publish\",\"payload\":1} trailing", "invalid_json");
    }

    @Test
    void deeplyNestedJsonGetsInvalidJson() {
        assertErrorCode("{\"type\":\"publish\",\"payload\":" + "[".repeat(5000) + "]".repeat(5000) + "}", "invalid_json");
    }

    @Test
    void jsonThatIsNotAnObjectGetsInvalidFrame() {
        assertErrorCode("[1,2,3]", "invalid_frame");
    }

    @Test
    void nonStringTypeGetsInvalidFrame() {
        assertErrorCode("{\"type\":7}", "invalid_frame");
    }

    @Test
    void frameWithoutTypeGetsMissingField() {
        assertErrorCode("{\"payload\":1}", "missing_field");
    }

    @Test
    void unknownTypeGetsUnknownTypeAndEchoesTheRef() {
        try (TestClient client = TestClient.connect(base, "odd")) {
            client.send("{\"type\":\"teleport\",\"ref\":\"x1\"}");
            JsonNode error = client.next("error");
            assertEquals("unknown_type", error.get("code").asText());
            assertEquals("x1", error.get("ref").asText());
        }
    }

    @Test
    void publishWithoutPayloadGetsMissingField() {
        assertErrorCode("{\"type\":\"publish\",\"ref\":\"r\"}", "missing_field");
    }

    @Test
    void refThatIsNotAShortStringGetsInvalidField() {
        assertErrorCode("{\"type\":\"publish\",\"ref\":42,\"payload\":1}", "invalid_field");
        assertErrorCode("{\"type\":\"publish\",\"ref\":\"" + "r".repeat(65) + "\",\"payload\":1}", "invalid_field");
    }

    @Test
    void connectionSurvivesAnErrorAndKeepsWorking() {
        try (TestClient client = TestClient.connect(base, "resilient")) {
            client.send("nonsense");
            assertEquals("invalid_json", client.next("error").get("code").asText());
            client.publish("\"still here\"", "r2");
            assertEquals("still here", client.next("message").get("payload").asText());
        }
    }

    @Test
    void oversizedMessageClosesWith1009AndOthersKeepReceiving() {
        try (TestClient bystander = TestClient.connect(base, "bystander");
                TestClient offender = TestClient.connect(base, "offender")) {
            offender.send("{\"type\":\"publish\",\"payload\":\"" + "x".repeat(70_000) + "\"}");
            assertEquals(1009, offender.awaitCloseCode());
            try (TestClient sender = TestClient.connect(base, "sender")) {
                sender.publish("\"after\"", "r");
                assertEquals("after", bystander.next("message").get("payload").asText());
            }
        }
    }

    @Test
    void singleFrameOverTheLimitClosesWith1009() throws Exception {
        try (RawWebSocket raw = new RawWebSocket(base, "/ws?user=big")) {
            raw.sendFrame(0x1, ("\"" + "y".repeat(70_000) + "\"").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(1009, raw.awaitCloseCode());
        }
    }

    @Test
    void validUtf8SplitAcrossFramesIsAccepted() throws Exception {
        try (TestClient reader = TestClient.connect(base, "reader");
                RawWebSocket raw = new RawWebSocket(base, "/ws?user=split")) {
            byte[] whole = "{\"type\":\"publish\",\"payload\":\"é\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int cut = 30; // inside the two bytes of é
            raw.sendFrame(0x1, java.util.Arrays.copyOfRange(whole, 0, cut), false);
            raw.sendFrame(0x0, java.util.Arrays.copyOfRange(whole, cut, whole.length), true);
            assertEquals("é", reader.next("message").get("payload").asText());
        }
    }

    @Test
    void reservedOpcodeClosesWith1002() throws Exception {
        try (RawWebSocket raw = new RawWebSocket(base, "/ws?user=reserved")) {
            raw.sendFrame(0x3, new byte[] { 1 });
            assertEquals(1002, raw.awaitCloseCode());
        }
    }

    @Test
    void binaryFrameClosesWith1003() {
        try (TestClient client = TestClient.connect(base, "binary")) {
            client.sendBinary(new byte[] { 1, 2, 3 });
            assertEquals(1003, client.awaitCloseCode());
        }
    }

    @Test
    void invalidUtf8ClosesWith1007() throws Exception {
        try (RawWebSocket raw = new RawWebSocket(base, "/ws?user=raw")) {
            raw.sendFrame(0x1, new byte[] { '{', (byte) 0xC3, (byte) 0x28, '}' });
            assertEquals(1007, raw.awaitCloseCode());
        }
    }

    @Test
    void invalidUserIdClosesWith1008() {
        try (TestClient client = TestClient.connectRaw(URI.create(base.toString().replaceFirst("^http", "ws")
                + "ws?user=" + "bad%20user%3Cscript%3E"))) {
            assertEquals(1008, client.awaitCloseCode());
            assertFalse(client.drain().stream().anyMatch(f -> "welcome".equals(f.path("type").asText())));
        }
    }

    @Test
    void unicodePayloadTravelsIntact() {
        try (TestClient client = TestClient.connect(base, "unicode")) {
            String text = "héllo 👋 ✓ \u0000 \"quoted\"";
            client.send("{\"type\":\"publish\",\"payload\":" + TextNode.valueOf(text) + "}");
            assertEquals(text, client.next("message").get("payload").asText());
        }
    }

    private void assertErrorCode(String frame, String code) {
        try (TestClient client = TestClient.connect(base, "bad")) {
            client.send(frame);
            assertEquals(code, client.next("error").get("code").asText());
        }
    }
}
