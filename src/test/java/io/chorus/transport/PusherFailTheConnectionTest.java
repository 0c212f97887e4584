package io.chorus.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.chorus.testing.RawWebSocket;
import io.chorus.testing.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The Pusher endpoint, {@code /app/{key}}, fails connections as {@code /ws} does (RFC 6455 §7.1.7). */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
@TestProfile(HandshakeTest.Profile.class)
class PusherFailTheConnectionTest {

    private static final String APP = "/app/" + HandshakeTest.Profile.PUSHER_KEY + "?protocol=7";

    @TestHTTPResource("/")
    URI base;

    @Test
    void reservedOpcodeFailsWith1002() throws Exception {
        assertFails(1002, raw -> raw.sendFrame(0x3, new byte[] { 1 }));
    }

    @Test
    void rsv1WithoutAnExtensionFailsWith1002() throws Exception {
        assertFails(1002, raw -> raw.sendFrameWithFirstByte(0x80 | 0x40 | 0x1, "{}".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void closeCode5000IsAnsweredWith1002() throws Exception {
        assertFails(1002, raw -> raw.sendClose(RawWebSocket.closeBody(5000, new byte[0])));
    }

    @Test
    void textThatIsNotUtf8FailsWith1007() throws Exception {
        assertFails(1007, raw -> raw.sendFrame(0x1, new byte[] { '{', (byte) 0xC3, (byte) 0x28, '}' }));
    }

    @Test
    void frameOverTheSizeLimitFailsWith1009() throws Exception {
        assertFails(1009, raw -> raw.sendFrame(0x1, new byte[70_000]));
    }

    private void assertFails(int code, FailTheConnectionTest.Abuse abuse) throws IOException {
        try (RawWebSocket raw = new RawWebSocket(base, APP)) {
            abuse.send(raw);
            assertEquals(code, raw.awaitCloseCode(true)); // pusher:connection_established is a text frame
            assertTrue(raw.closedByServerWithin(FailTheConnectionTest.PROMPTLY), "the TCP connection is still open");
        }
    }
}
