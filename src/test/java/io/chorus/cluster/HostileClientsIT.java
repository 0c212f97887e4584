package io.chorus.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.chorus.testing.RawWebSocket;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/** Half-open and silent connections, and upgrades from foreign origins. */
class HostileClientsIT {

    static ReplicaProcess replica;

    @BeforeAll
    static void start() {
        replica = ReplicaProcess.start("guarded", null, "chorus.limits.ping-interval=500ms",
                "chorus.limits.idle-timeout=2s", "chorus.allowed-origins=https://chat.example.com");
    }

    @AfterAll
    static void stop() {
        if (replica != null) {
            replica.close();
        }
    }

    @Test
    void connectionThatAnswersNothingIsClosedWith4002() throws Exception {
        try (RawWebSocket silent = new RawWebSocket(replica.baseUri(), "/ws?user=silent")) {
            assertEquals(4002, silent.awaitCloseCode(), "pings unanswered: closed as idle");
        }
    }

    @Test
    void clientThatAnswersPingsStaysConnectedPastTheIdleTimeout() {
        try (TestClient alive = replica.connect("alive")) {
            alive.framesWithin(Duration.ofSeconds(4)); // twice the idle timeout, answering pings meanwhile
            assertFalse(alive.isClosed());
            alive.publish("\"still here\"", "s");
            assertEquals("s", alive.next("ack").get("ref").asText());
        }
    }

    @Test
    void upgradeFromAForeignOriginIsRefusedWith403() {
        assertEquals(403, upgrade("https://evil.example.net"));
    }

    @Test
    void upgradeFromAnAllowedOriginOrWithoutOriginIsAccepted() {
        assertEquals(101, upgrade("https://chat.example.com"));
        assertEquals(101, upgrade(null));
    }

    private static int upgrade(String origin) {
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (origin != null) {
            builder.header("Origin", origin);
        }
        URI uri = URI.create(replica.baseUri().toString().replaceFirst("^http", "ws") + "ws?user=origin-test");
        try {
            builder.buildAsync(uri, new WebSocket.Listener() {
            }).join().abort();
            return 101;
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw e;
        }
    }
}
