package io.chorus.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.chorus.testing.RawWebSocket;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * Connections that have not sent their {@code auth} frame yet count against {@code chorus.limits.max-connections}: a
 * crowd that never authenticates cannot hold more connections than the limit.
 */
class AwaitingAuthLimitsIT {

    static ReplicaProcess replica;

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String publicKey = Base64.getEncoder().encodeToString(generator.generateKeyPair().getPublic().getEncoded());
        replica = ReplicaProcess.start("awaiting-auth", null, "chorus.auth.anonymous=false",
                "mp.jwt.verify.publickey=" + publicKey, "chorus.auth.handshake-timeout=60s",
                "chorus.limits.max-connections=2");
    }

    @AfterAll
    static void stop() {
        if (replica != null) {
            replica.close();
        }
    }

    @Test
    void upgradeWithABadTokenGets401AndItsConnectionIsClosed() throws Exception {
        assertRefusedAndClosed("/ws?token=not-a-jwt", 401);
    }

    @Test
    void connectionsAwaitingTheirAuthFrameFillTheReplica() throws Exception {
        URI ws = URI.create(replica.baseUri().toString().replaceFirst("^http", "ws") + "ws");
        try (RawWebSocket first = new RawWebSocket(replica.baseUri(), "/ws")) {
            try (RawWebSocket second = new RawWebSocket(replica.baseUri(), "/ws")) {
                await().atMost(Duration.ofSeconds(10)).until(() -> TestClient.upgradeStatus(ws, null) == 503);
                assertRefusedAndClosed("/ws", 503);
            }
            // a closed connection frees its place
            await().atMost(Duration.ofSeconds(10)).until(() -> TestClient.upgradeStatus(ws, null) == 101);
        }
    }

    /** The upgrade is answered with this status, and the server then closes the TCP connection at once. */
    private static void assertRefusedAndClosed(String path, int status) throws Exception {
        try (Socket socket = new Socket(replica.baseUri().getHost(), replica.baseUri().getPort())) {
            socket.setSoTimeout(2500);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String answer;
            try {
                answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII); // to the end: the server closes
            } catch (SocketTimeoutException stillOpen) {
                throw new AssertionError("a refused upgrade's TCP connection is still open");
            }
            assertTrue(answer.startsWith("HTTP/1.1 " + status + " "), answer);
        }
    }
}
