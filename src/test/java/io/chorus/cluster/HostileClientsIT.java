package io.chorus.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.URI;
import java.time.Duration;

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
        assertEquals(403, TestClient.upgradeStatus(wsUri(), "https://evil.example.net"));
    }

    @Test
    void upgradeFromAnAllowedOriginOrWithoutOriginIsAccepted() {
        assertEquals(101, TestClient.upgradeStatus(wsUri(), "https://chat.example.com"));
        assertEquals(101, TestClient.upgradeStatus(wsUri(), null));
    }

    private static URI wsUri() {
        return URI.create(replica.baseUri().toString().replaceFirst("^http", "ws") + "ws?user=origin-test");
    }

}
