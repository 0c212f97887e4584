package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.vertx.core.buffer.Buffer;

class PayloadCodecTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aPublishedProbeSurvivesTheServersMessageEvent() throws Exception {
        String publish = new PayloadCodec(0).publish("lg-room-3", 7, 42, 123_456_789_012L);
        JsonNode command = json.readTree(publish);
        assertEquals("publish", command.get("type").asText());
        assertEquals("lg-room-3", command.get("room").asText());

        // the server copies the payload unchanged into its message event, which carries the room's position
        // (docs/protocol.md; the generator links no server class, so this is the event as the server writes it)
        String event = "{\"v\":1,\"type\":\"message\",\"offset\":5,\"epoch\":\"e1\",\"id\":\"r1-x-1\",\"replica\":\"r1\","
                + "\"from\":\"lg-7\",\"ts\":1,\"room\":\"lg-room-3\",\"payload\":" + command.get("payload") + "}";
        Buffer frame = Buffer.buffer(event);
        assertEquals(PayloadCodec.FrameType.MESSAGE, PayloadCodec.typeOf(frame));
        assertEquals(new PayloadCodec.Probe(7, 42, 123_456_789_012L), PayloadCodec.probeOf(frame));
    }

    @Test
    void publishingToEveryoneHasNoRoomAndPaddingIsKeptOutOfTheProbe() throws Exception {
        String publish = new PayloadCodec(100).publish(null, 0, 0, 5);
        JsonNode command = json.readTree(publish);
        assertTrue(command.get("room") == null);
        assertEquals(100, command.get("payload").get("pad").asText().length());
        assertEquals(new PayloadCodec.Probe(0, 0, 5), PayloadCodec.probeOf(Buffer.buffer(publish)));
    }

    @Test
    void tellsServerFramesApart() {
        assertEquals(PayloadCodec.FrameType.WELCOME,
                PayloadCodec.typeOf(Buffer.buffer("{\"v\":1,\"type\":\"welcome\",\"replica\":\"r1\",\"connection\":\"c1\",\"user\":\"lg-1\"}")));
        assertEquals(PayloadCodec.FrameType.JOINED,
                PayloadCodec.typeOf(Buffer.buffer("{\"v\":1,\"type\":\"joined\",\"room\":\"a\",\"ref\":\"j1\"}")));
        assertEquals(PayloadCodec.FrameType.ACK,
                PayloadCodec.typeOf(Buffer.buffer("{\"v\":1,\"type\":\"ack\",\"ref\":\"c\",\"id\":\"x\"}")));
        Buffer error = Buffer.buffer("{\"v\":1,\"type\":\"error\",\"code\":\"unknown_type\",\"message\":\"unknown type: join\"}");
        assertEquals(PayloadCodec.FrameType.ERROR, PayloadCodec.typeOf(error));
        assertEquals("unknown_type", PayloadCodec.errorCodeOf(error));
        assertEquals(PayloadCodec.FrameType.OTHER, PayloadCodec.typeOf(Buffer.buffer("{\"v\":1,\"type\":\"members\"}")));
        assertEquals(PayloadCodec.FrameType.OTHER, PayloadCodec.typeOf(Buffer.buffer("not json")));
        assertEquals("member_joined", PayloadCodec.typeNameOf(
                Buffer.buffer("{\"v\":1,\"type\":\"member_joined\",\"room\":\"a\",\"user\":\"u\",\"ts\":1}")));
        assertEquals("?", PayloadCodec.typeNameOf(Buffer.buffer("[]")));
    }

    @Test
    void aRefusedPublishIsTracedBackThroughItsRef() throws Exception {
        String publish = new PayloadCodec(0).publish(null, 12, 345, 1);
        String ref = json.readTree(publish).get("ref").asText();
        Buffer error = Buffer.buffer("{\"v\":1,\"type\":\"error\",\"code\":\"backplane_unavailable\",\"message\":\"m\",\"ref\":\""
                + ref + "\"}");
        assertEquals(new PayloadCodec.Probe(12, 345, 0), PayloadCodec.publishRefOf(error));
        assertNull(PayloadCodec.publishRefOf(Buffer.buffer("{\"type\":\"error\",\"ref\":\"j17\"}")));
        assertNull(PayloadCodec.publishRefOf(Buffer.buffer("{\"type\":\"error\",\"ref\":\"p1.\"}")));
    }

    @Test
    void aMessageWithoutAWellFormedProbeHasNone() {
        assertNull(PayloadCodec.probeOf(Buffer.buffer("{\"type\":\"message\",\"payload\":{\"text\":\"hi\"}}")));
        assertNull(PayloadCodec.probeOf(Buffer.buffer("{\"payload\":{\"lg\":[1,2]}}")));
        assertNull(PayloadCodec.probeOf(Buffer.buffer("{\"payload\":{\"lg\":[1,x,3]}}")));
        assertNull(PayloadCodec.probeOf(Buffer.buffer("{\"payload\":{\"lg\":[1,2,3")));
    }

    @Test
    void joinCarriesRoomAndRef() throws Exception {
        JsonNode join = json.readTree(PayloadCodec.join("lg-hot", "j9"));
        assertEquals("join", join.get("type").asText());
        assertEquals("lg-hot", join.get("room").asText());
        assertEquals("j9", join.get("ref").asText());
    }
}
