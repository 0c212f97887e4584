package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

class ServerKindTest {

    private final PayloadCodec codec = new PayloadCodec(0);

    @Test
    void socketIoPublishIsAMsgEventWhosePayloadCarriesTheProbe() {
        String frame = ServerKind.SOCKETIO.publish(codec, null, 3, 7, 123456789L);
        assertEquals("42[\"msg\",{\"lg\":[3,7,123456789]}]", frame);
        assertEquals(new PayloadCodec.Probe(3, 7, 123456789L), PayloadCodec.probeOf(Buffer.buffer(frame)));
    }

    @Test
    void socketIoFramesAreToldApartByTheirEngineAndSocketPacketTypes() {
        ServerKind io = ServerKind.SOCKETIO;
        assertEquals(ServerKind.Reading.ANSWER, io.read(Buffer.buffer("0{\"sid\":\"x\",\"pingInterval\":25000}")));
        assertEquals("40", io.answer(Buffer.buffer("0{\"sid\":\"x\"}")));
        assertEquals(ServerKind.Reading.ANSWER, io.read(Buffer.buffer("2")));
        assertEquals("3", io.answer(Buffer.buffer("2")));
        assertEquals(ServerKind.Reading.WELCOME, io.read(Buffer.buffer("40{\"sid\":\"y\"}")));
        assertEquals(ServerKind.Reading.MESSAGE, io.read(Buffer.buffer("42[\"msg\",{\"lg\":[0,1,2]}]")));
        assertEquals(ServerKind.Reading.OTHER, io.read(Buffer.buffer("44{\"message\":\"no\"}")));
    }

    @Test
    void everyFrameOfThePlainWsPeerIsAMessageAndItsPublishIsTheChorusFrameRelayedAsIs() {
        assertEquals(ServerKind.Reading.MESSAGE, ServerKind.WS_IOREDIS.read(Buffer.buffer("anything")));
        assertEquals(codec.publish(null, 1, 2, 3), ServerKind.WS_IOREDIS.publish(codec, null, 1, 2, 3));
    }

    @Test
    void onlyChorusTakesTheUserFromTheRequestUri() {
        assertEquals("/ws?user=lg-5", ServerKind.CHORUS.requestUri(ServerKind.CHORUS.webSocketOf(8080), 5));
        assertEquals("/socket.io/?EIO=4&transport=websocket",
                ServerKind.SOCKETIO.requestUri(ServerKind.SOCKETIO.webSocketOf(8080), 5));
        assertEquals("/", ServerKind.WS_IOREDIS.requestUri(URI.create("ws://127.0.0.1:1/"), 5));
    }

    @Test
    void socketIoRoomPublishNamesTheRoomAndCarriesTheProbe() {
        String frame = ServerKind.SOCKETIO.publish(codec, "r-4", 3, 7, 99L);
        assertEquals("42[\"room\",\"r-4\",{\"lg\":[3,7,99]}]", frame);
        assertEquals(new PayloadCodec.Probe(3, 7, 99L), PayloadCodec.probeOf(Buffer.buffer(frame)));
        assertEquals("42[\"join\",\"r-4\"]", ServerKind.SOCKETIO.join("r-4", "j1"));
    }

    @Test
    void thePlainWsPeerTakesChorusJoinAndRoomPublishFramesAsTheyAre() {
        assertEquals(PayloadCodec.join("r-4", "j1"), ServerKind.WS_IOREDIS.join("r-4", "j1"));
        assertEquals(codec.publish("r-4", 1, 2, 3), ServerKind.WS_IOREDIS.publish(codec, "r-4", 1, 2, 3));
        assertEquals(codec.publish("r-4", 1, 2, 3), ServerKind.CHORUS.publish(codec, "r-4", 1, 2, 3));
    }

    @Test
    void aPeersJoinAnswerIsToldApartFromItsMessages() {
        assertEquals(ServerKind.Reading.JOINED,
                ServerKind.WS_IOREDIS.read(Buffer.buffer("{\"type\":\"joined\",\"room\":\"r-4\"}")));
        assertEquals(ServerKind.Reading.MESSAGE, ServerKind.WS_IOREDIS.read(Buffer.buffer(codec.publish("r-4", 1, 2, 3))));
        assertEquals(ServerKind.Reading.JOINED, ServerKind.SOCKETIO.read(Buffer.buffer("42[\"joined\",\"r-4\"]")));
        assertEquals(ServerKind.Reading.MESSAGE, ServerKind.SOCKETIO.read(Buffer.buffer("42[\"msg\",{\"lg\":[0,1,2]}]")));
    }

    @Test
    void peersServeRoomsButNoReconnectStorm() {
        assertEquals(ServerKind.SOCKETIO, LoadOptions.parse("--scenario=rooms", "--server=socketio").server());
        assertEquals(ServerKind.WS_IOREDIS, LoadOptions.parse("--scenario=idle", "--server=ws-ioredis").server());
        assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.parse("--scenario=reconnect", "--server=ws-ioredis"));
    }
}
