package io.chorus.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.chorus.testing.RawWebSocket;
import io.chorus.testing.RedisTestResource;
import io.chorus.testing.TestClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * RFC 6455 §7.1.7 on {@code /ws}: every protocol error is answered with a Close carrying the right code (1002, 1007,
 * 1009), after which the server sends nothing and closes the TCP connection itself, without waiting for the client.
 * Raw frames, as no client library sends them.
 */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class FailTheConnectionTest {

    /** Well under the 3 s the conformance suite saw connections linger, and under any closing handshake timeout. */
    static final Duration PROMPTLY = Duration.ofMillis(2500);

    @TestHTTPResource("/")
    URI base;

    @Test
    void reservedOpcodeFailsWith1002() throws Exception {
        assertFails(1002, raw -> raw.sendFrame(0x3, new byte[] { 1 }));
    }

    @Test
    void reservedControlOpcodeFailsWith1002() throws Exception {
        assertFails(1002, raw -> raw.sendFrame(0xB, new byte[0]));
    }

    @Test
    void fragmentedControlFrameFailsWith1002() throws Exception {
        assertFails(1002, raw -> raw.sendFrame(0x9, "ping".getBytes(StandardCharsets.US_ASCII), false));
    }

    @Test
    void controlFrameOver125BytesFailsWith1002() throws Exception {
        assertFails(1002, raw -> raw.sendFrame(0x9, new byte[126]));
    }

    @Test
    void continuationWithNoMessageOpenFailsWith1002() throws Exception {
        assertFails(1002, raw -> raw.sendFrame(0x0, "{}".getBytes(StandardCharsets.US_ASCII), true));
    }

    @Test
    void newMessageInsideAFragmentedOneFailsWith1002() throws Exception {
        assertFails(1002, raw -> {
            raw.sendFrame(0x1, "{\"type\":".getBytes(StandardCharsets.US_ASCII), false);
            raw.sendFrame(0x1, "{}".getBytes(StandardCharsets.US_ASCII), true);
        });
    }

    @Test
    void sixtyFourBitLengthWithItsMostSignificantBitSetFailsWith1002() throws Exception {
        assertFails(1002, raw -> raw.sendRaw(new byte[] { (byte) 0x81, (byte) (0x80 | 127), (byte) 0x80, 0, 0, 0, 0, 0,
                0, 1, 1, 2, 3, 4 }));
    }

    @Test
    void rsv1WithoutAnExtensionFailsWith1002() throws Exception {
        assertFails(1002, raw -> raw.sendFrameWithFirstByte(0x80 | 0x40 | 0x1, "{}".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void rsv2WithoutAnExtensionFailsWith1002() throws Exception {
        assertFails(1002, raw -> raw.sendFrameWithFirstByte(0x80 | 0x20 | 0x1, "{}".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void rsv3OnAPingFailsWith1002() throws Exception {
        assertFails(1002, raw -> raw.sendFrameWithFirstByte(0x80 | 0x10 | 0x9, new byte[0]));
    }

    @Test
    void closeCode5000IsAnsweredWith1002() throws Exception {
        assertFails(1002, raw -> raw.sendClose(RawWebSocket.closeBody(5000, new byte[0])));
    }

    @Test
    void closeCode999IsAnsweredWith1002() throws Exception {
        assertFails(1002, raw -> raw.sendClose(RawWebSocket.closeBody(999, new byte[0])));
    }

    @Test
    void reservedCloseCode1005IsAnsweredWith1002() throws Exception {
        assertFails(1002, raw -> raw.sendClose(RawWebSocket.closeBody(1005, new byte[0])));
    }

    @Test
    void oneByteCloseBodyIsAnsweredWith1002() throws Exception {
        assertFails(1002, raw -> raw.sendClose(new byte[] { 3 }));
    }

    @Test
    void closeReasonThatIsNotUtf8IsAnsweredWith1007() throws Exception {
        assertFails(1007, raw -> raw.sendClose(RawWebSocket.closeBody(1000, new byte[] { (byte) 0xC3, 0x28 })));
    }

    @Test
    void textThatIsNotUtf8FailsWith1007AndAPingAfterItIsNotAnswered() throws Exception {
        try (RawWebSocket raw = new RawWebSocket(base, "/ws?user=utf8-then-ping")) {
            raw.sendFrame(0x1, new byte[] { '{', (byte) 0xC3, (byte) 0x28, '}' });
            raw.sendFrame(0x9, "still there?".getBytes(StandardCharsets.US_ASCII));
            assertEquals(1007, raw.awaitCloseCode(true)); // a pong before the close would fail here
            assertTrue(raw.closedByServerWithin(PROMPTLY), "the TCP connection is still open");
        }
    }

    @Test
    void frameOverTheSizeLimitFailsWith1009() throws Exception {
        assertFails(1009, raw -> raw.sendFrame(0x1, new byte[70_000]));
    }

    @Test
    void messageOverTheSizeLimitInSmallFramesFailsWith1009() throws Exception {
        assertFails(1009, raw -> {
            byte[] part = new byte[30_000];
            java.util.Arrays.fill(part, (byte) 'x');
            raw.sendFrame(0x1, part, false);
            raw.sendFrame(0x0, part, false);
            raw.sendFrame(0x0, part, true);
        });
    }

    @Test
    void aValidCloseIsEchoedWithItsCode() throws Exception {
        try (RawWebSocket raw = new RawWebSocket(base, "/ws?user=polite")) {
            raw.sendClose(RawWebSocket.closeBody(4321, "bye".getBytes(StandardCharsets.UTF_8)));
            assertEquals(4321, raw.awaitCloseCode(true));
            assertTrue(raw.closedByServerWithin(TestClient.TIMEOUT), "the TCP connection is still open");
        }
    }

    @Test
    void othersKeepReceivingWhileOneConnectionIsFailed() throws Exception {
        try (TestClient bystander = TestClient.connect(base, "bystander-rfc")) {
            assertFails(1002, raw -> raw.sendFrame(0x3, new byte[0]));
            try (TestClient sender = TestClient.connect(base, "sender-rfc")) {
                sender.publish("\"still delivered\"", "r");
                assertEquals("still delivered", bystander.next("message").get("payload").asText());
            }
        }
    }

    interface Abuse {
        void send(RawWebSocket raw) throws IOException;
    }

    private void assertFails(int code, Abuse abuse) throws IOException {
        try (RawWebSocket raw = new RawWebSocket(base, "/ws?user=abuser")) {
            abuse.send(raw);
            assertEquals(code, raw.awaitCloseCode(true));
            assertTrue(raw.closedByServerWithin(PROMPTLY), "the TCP connection is still open");
        }
    }
}
