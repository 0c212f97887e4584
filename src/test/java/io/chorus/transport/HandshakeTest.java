package io.chorus.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.chorus.testing.RawWebSocket;
import io.chorus.testing.RedisTestResource;
import io.chorus.testing.TestClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.websockets.next.OpenConnections;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * The opening handshake (RFC 6455 §4.2.1) is checked, and every upgrade that is refused, whichever check refuses it,
 * gets its answer and then its TCP connection closed by the server: refused upgrades hold no file descriptors. A
 * handshake trickled byte by byte is cut off after {@code chorus.limits.request-head-timeout}.
 */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
@TestProfile(HandshakeTest.Profile.class)
class HandshakeTest {

    /** A short head timeout, one connection per user, one allowed origin, one Pusher app. */
    public static class Profile implements QuarkusTestProfile {
        static final String PUSHER_KEY = "strict-key";

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("chorus.limits.request-head-timeout", "2s", "chorus.limits.max-connections-per-user", "1",
                    "chorus.allowed-origins", "https://chat.example", "chorus.pusher.apps.strict.id", "77",
                    "chorus.pusher.apps.strict.key", PUSHER_KEY, "chorus.pusher.apps.strict.secret", "strict-secret");
        }
    }

    private static final String GOOD_KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private static final Duration PROMPTLY = Duration.ofMillis(2500);

    @TestHTTPResource("/")
    URI base;

    @Inject
    OpenConnections openConnections;

    @Test
    void keyThatIsNotBase64Gets400AndTheConnectionIsClosed() throws Exception {
        assertRefused(400, upgrade("HTTP/1.1", "/ws?user=k1", "not base64 at all!!!!!!!", null));
    }

    @Test
    void keyOf15BytesGets400AndTheConnectionIsClosed() throws Exception {
        assertRefused(400, upgrade("HTTP/1.1", "/ws?user=k2", "AAAAAAAAAAAAAAAAAAAA", null));
    }

    @Test
    void http10UpgradeIsRefusedAndTheConnectionIsClosed() throws Exception {
        assertRefused(400, upgrade("HTTP/1.0", "/ws?user=k3", GOOD_KEY, null));
    }

    @Test
    void pusherEndpointChecksTheKeyToo() throws Exception {
        assertRefused(400, upgrade("HTTP/1.1", "/app/some-key?protocol=7", "short", null));
    }

    @Test
    void originRefusalGets403AndTheConnectionIsClosed() throws Exception {
        assertRefused(403, upgrade("HTTP/1.1", "/ws?user=k4", GOOD_KEY, "https://evil.example"));
    }

    @Test
    void perUserRefusalGets429AndTheConnectionIsClosed() throws Exception {
        try (TestClient first = TestClient.connect(base, "only-one")) {
            first.welcome();
            assertRefused(429, upgrade("HTTP/1.1", "/ws?user=only-one", GOOD_KEY, null));
        }
    }

    @Test
    void wellFormedHandshakeIsAccepted() throws Exception {
        try (Socket socket = upgrade("HTTP/1.1", "/ws?user=k5", GOOD_KEY, "https://chat.example")) {
            assertEquals(101, statusOf(socket));
        }
    }

    @Test
    void trickledHandshakeIsCutOffAfterTheHeadTimeout() throws Exception {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            byte[] request = request("HTTP/1.1", "/ws?user=slow", GOOD_KEY, null).getBytes(StandardCharsets.US_ASCII);
            OutputStream out = socket.getOutputStream();
            socket.setSoTimeout(500);
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            boolean closed = false;
            for (int i = 0; i < request.length - 1 && !closed && System.nanoTime() < deadline; i++) {
                try {
                    out.write(request[i]);
                    out.flush();
                    closed = socket.getInputStream().read() == -1; // waits up to 500 ms: the trickle's pace
                } catch (SocketTimeoutException stillOpen) {
                    // the next byte
                } catch (SocketException reset) {
                    closed = true;
                }
            }
            assertTrue(closed, "a handshake trickled a byte every 500 ms is still open");
        }
    }

    @Test
    void theConnectionKeepsNoneOfTheUpgradesHeaders() throws Exception {
        String request = "GET /ws?user=headers HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                + GOOD_KEY + "\r\nOrigin: https://chat.example\r\nCookie: session=" + "c".repeat(500)
                + "\r\nUser-Agent: Mozilla/5.0 (a browser)\r\nAccept-Language: en-GB,en;q=0.9\r\n\r\n";
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            assertEquals(101, statusOf(socket), "the origin was checked before the headers were dropped");
            WebSocketConnection connection = Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> openConnectionOf("user=headers"), Objects::nonNull);
            Set<String> kept = connection.handshakeRequest().headers().keySet();
            assertTrue(kept.isEmpty(), "kept for the connection's life: " + kept);
            assertNull(connection.handshakeRequest().header("Cookie"));
            assertEquals("user=headers", connection.handshakeRequest().query(), "the query is not a header: it stays");
        }
    }

    private WebSocketConnection openConnectionOf(String query) {
        return openConnections.findByEndpointId(io.chorus.session.Endpoints.NATIVE).stream()
                .filter(c -> query.equals(c.handshakeRequest().query())).findFirst().orElse(null);
    }

    @Test
    void openConnectionOutlivesTheHeadTimeout() throws Exception {
        try (TestClient lasting = TestClient.connect(base, "lasting")) {
            lasting.welcome();
            lasting.framesWithin(Duration.ofSeconds(3)); // past the 2 s head timeout
            assertFalse(lasting.isClosed(), "an open WebSocket was cut off");
            lasting.publish("\"still here\"", "s");
            assertEquals("s", lasting.next("ack").get("ref").asText());
        }
    }

    private static void assertRefused(int status, Socket socket) throws IOException {
        try (socket) {
            assertEquals(status, statusOf(socket));
            assertTrue(endsWithin(socket, PROMPTLY), "a refused upgrade's TCP connection is still open");
        }
    }

    private Socket upgrade(String version, String path, String key, String origin) throws IOException {
        Socket socket = new Socket(base.getHost(), base.getPort());
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(request(version, path, key, origin).getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    private String request(String version, String path, String key, String origin) {
        return "GET " + path + " " + version + "\r\nHost: " + base.getHost() + ":" + base.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                + key + "\r\n" + (origin == null ? "" : "Origin: " + origin + "\r\n") + "\r\n";
    }

    private static int statusOf(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            line.write(c);
        }
        String status = line.toString(StandardCharsets.US_ASCII);
        return Integer.parseInt(status.split(" ")[1]);
    }

    /** Reads (and drops) the rest of the answer; whether the server then closes the connection in this time. */
    private static boolean endsWithin(Socket socket, Duration time) throws IOException {
        socket.setSoTimeout((int) time.toMillis());
        long deadline = System.nanoTime() + time.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (socket.getInputStream().read() == -1) {
                    return true;
                }
            }
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }
}
