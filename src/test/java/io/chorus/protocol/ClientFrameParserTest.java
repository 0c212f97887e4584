package io.chorus.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The streaming parse of client frames: a payload comes out as the exact text the client sent, wherever it stands
 * in the frame, and bad frames get the errors docs/protocol.md documents.
 */
class ClientFrameParserTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ClientFrameParser parser = new ClientFrameParser(64);

    @Test
    void payloadIsTheClientsTextWhateverItsKindAndPlace() throws Exception {
        String[] payloads = { "1", "-0.5e+3", "true", "null", "\"hi\"", "{}", "[]", "{\"a\":[1,{\"b\":\"c\"}],\"d\":{}}",
                "[[[\"deep\"]],{\"x\":null}]", "123456789012345678901234567890" };
        for (String payload : payloads) {
            assertEquals(payload, publishedPayload("{\"type\":\"publish\",\"payload\":" + payload + "}"), "last: " + payload);
            assertEquals(payload, publishedPayload("{\"payload\":" + payload + ",\"type\":\"publish\",\"ref\":\"r\"}"),
                    "first: " + payload);
            assertEquals(payload, publishedPayload("{ \"type\" : \"publish\" ,\n\t\"payload\" :\r\n " + payload
                    + " \n , \"room\":\"lobby\" }"), "with whitespace: " + payload);
        }
    }

    @Test
    void escapesAndUnicodeAreKeptAsWritten() throws Exception {
        String payload = "{\"text\":\"a \\\"quote\\\", a \\\\ backslash, \\n, \\u00e9 and é, 😀 and \\ud83d\\ude00, }{,\"}";
        String kept = publishedPayload("{\"type\":\"publish\",\"room\":\"lobby\",\"payload\":" + payload + "}");
        assertEquals(payload, kept);
        assertEquals("a \"quote\", a \\ backslash, \n, é and é, 😀 and 😀, }{,", MAPPER.readTree(kept).get("text").textValue());
    }

    @Test
    void aFrameWithThePayloadSplicedInIsValidJsonWithTheSamePayload() throws Exception {
        String payload = "{\"n\":[1,2.5,-3e2],\"s\":\"\\t\\u0001 \\\"x\\\"\",\"o\":{\"k\":null}}";
        ClientCommand.Publish publish = (ClientCommand.Publish) parser.parse(
                "{\"type\":\"publish\",\"room\":\"r1\",\"payload\":" + payload + "}");
        JsonNode frame = MAPPER.readTree(ServerFrames.message("id-1", "rep", "alice", 7L, publish.room(), null,
                publish.payload()));
        assertEquals(MAPPER.readTree(payload), frame.get("payload"));
        assertEquals("r1", frame.get("room").textValue());
        assertEquals(MAPPER.readTree(payload), MAPPER.readTree(ServerFrames.message("id-1", "rep", "alice", 7L,
                "r1", null, MAPPER.readTree(payload))).get("payload"), "the tree overload writes the same payload");
    }

    @Test
    void directKeepsItsPayloadToo() throws Exception {
        ClientCommand.Direct direct = assertInstanceOf(ClientCommand.Direct.class,
                parser.parse("{\"type\":\"direct\",\"to\":\"bob\",\"payload\":[\"x\", 2]}"));
        assertEquals("[\"x\", 2]", direct.payload().text());
        assertEquals("bob", direct.to());
    }

    @Test
    void duplicateFieldsCountOnceTheLastOneWins() throws Exception {
        ClientCommand.Publish publish = (ClientCommand.Publish) parser.parse(
                "{\"type\":\"join\",\"payload\":1,\"room\":\"a\",\"type\":\"publish\",\"room\":\"b\",\"payload\":{\"p\":2}}");
        assertEquals("{\"p\":2}", publish.payload().text());
        assertEquals("b", publish.room());
        // inside the payload, duplicates travel as the client wrote them (a reader of the JSON takes the last one)
        assertEquals("{\"k\":1,\"k\":2}", publishedPayload("{\"type\":\"publish\",\"payload\":{\"k\":1,\"k\":2}}"));
    }

    @Test
    void otherFieldsAreReadAsBefore() throws Exception {
        ClientCommand.Join join = assertInstanceOf(ClientCommand.Join.class,
                parser.parse("{\"type\":\"join\",\"room\":\"lobby\",\"since\":{\"offset\":4,\"epoch\":\"ab\"},\"ref\":null}"));
        assertEquals(new StreamPosition(4, "ab"), join.since());
        assertNull(join.ref());
        ClientCommand.History history = assertInstanceOf(ClientCommand.History.class,
                parser.parse("{\"type\":\"history\",\"room\":\"lobby\",\"limit\":5,\"ref\":\"h\"}"));
        assertEquals(5, history.limit());
        assertEquals("h", history.ref());
    }

    @Test
    void invalidJsonAnywhereIsInvalidJson() {
        assertCode(ErrorCode.INVALID_JSON, "hello");
        assertCode(ErrorCode.INVALID_JSON, "{\"type\":\"publish\",\"payload\":");
        assertCode(ErrorCode.INVALID_JSON, "{\"type\":\"publish\",\"payload\":{\"a\":}}");
        assertCode(ErrorCode.INVALID_JSON, "{\"type\":\"publish\",\"payload\":[1,2}");
        assertCode(ErrorCode.INVALID_JSON, "{\"type\":\"publish\",\"payload\":\"unterminated}");
        assertCode(ErrorCode.INVALID_JSON, "{\"type\":\"publish\",\"payload\":\"bad \\x escape\"}");
        assertCode(ErrorCode.INVALID_JSON, "{\"type\":\"publish\",\"payload\":\"raw \u0001 control\"}");
        assertCode(ErrorCode.INVALID_JSON, "{\"type\":\"publish\",\"payload\":1} trailing");
        assertCode(ErrorCode.INVALID_JSON, "{\"type\":\"publish\",\"payload\":1}{}");
        assertCode(ErrorCode.INVALID_JSON, "[1,2] 3");
        assertCode(ErrorCode.INVALID_JSON, "{\"type\":\"publish\",\"payload\":" + "[".repeat(100) + "]".repeat(100) + "}");
        // the payload comes last, an error in it still wins over a field that is wrong but valid JSON
        assertCode(ErrorCode.INVALID_JSON, "{\"type\":7,\"payload\":[}");
    }

    @Test
    void validJsonThatIsNoCommandGetsItsError() {
        assertCode(ErrorCode.INVALID_FRAME, "[1,2,3]");
        assertCode(ErrorCode.INVALID_FRAME, "\"text\"");
        assertCode(ErrorCode.INVALID_FRAME, "");
        assertCode(ErrorCode.INVALID_FRAME, "{\"type\":7}");
        assertCode(ErrorCode.MISSING_FIELD, "{\"payload\":1}");
        assertCode(ErrorCode.MISSING_FIELD, "{\"type\":\"publish\",\"ref\":\"r\"}");
        assertCode(ErrorCode.MISSING_FIELD, "{\"type\":\"direct\",\"to\":\"bob\"}");
        assertCode(ErrorCode.INVALID_ROOM, "{\"type\":\"publish\",\"room\":\"no spaces\",\"payload\":1}");
        assertCode(ErrorCode.INVALID_FIELD, "{\"type\":\"publish\",\"ref\":42,\"payload\":1}");
        assertCode(ErrorCode.UNKNOWN_TYPE, "{\"type\":\"nope\",\"payload\":1}");
    }

    @Test
    void aPayloadNamingAReservedEventIsFoundEvenWhenEscaped() throws Exception {
        assertEquals("pusher:ping", reservedEvent("{\"event\":\"pusher:ping\",\"data\":{}}"));
        assertEquals("pusher_internal:member_added", reservedEvent("{\"\\u0065vent\":\"\\u0070usher_internal:member_added\"}"));
        assertNull(reservedEvent("{\"event\":\"chat\",\"data\":\"pusher:ping\"}"));
        assertNull(reservedEvent("{\"text\":\"line\\nbreak\"}"));
        assertNull(reservedEvent("\"pusher:ping\""));
    }

    private String reservedEvent(String payload) throws ProtocolException {
        return ReservedEvents.namedBy(((ClientCommand.Publish) parser.parse(
                "{\"type\":\"publish\",\"payload\":" + payload + "}")).payload());
    }

    private String publishedPayload(String frame) throws ProtocolException {
        return assertInstanceOf(ClientCommand.Publish.class, parser.parse(frame)).payload().text();
    }

    private void assertCode(ErrorCode code, String frame) {
        assertEquals(code, assertThrows(ProtocolException.class, () -> parser.parse(frame), frame).code(), frame);
    }
}
