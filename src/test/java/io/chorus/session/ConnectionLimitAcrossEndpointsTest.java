package io.chorus.session;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.hub.LocalConnections;
import io.chorus.testing.PusherTestSocket;
import io.chorus.testing.RedisTestResource;
import io.chorus.testing.TestClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * {@code chorus.limits.max-connections} holds for {@code /ws} and Pusher connections together: past it, whichever
 * endpoint is asked, the connection is refused, and the replica never holds more than the limit.
 */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
@TestProfile(ConnectionLimitAcrossEndpointsTest.Profile.class)
class ConnectionLimitAcrossEndpointsTest {

    private static final int LIMIT = 4;
    private static final String KEY = "limit-key";

    /** A replica of four connections, with one Pusher app. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("chorus.limits.max-connections", String.valueOf(LIMIT), "chorus.pusher.apps.limit.id", "41",
                    "chorus.pusher.apps.limit.key", KEY, "chorus.pusher.apps.limit.secret", "limit-secret");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Inject
    ConnectionLimits limits;

    @Inject
    LocalConnections connections;

    @Test
    void nativeAndPusherConnectionsTogetherNeverExceedTheReplicasLimit() {
        List<AutoCloseable> open = new ArrayList<>();
        try {
            open.add(TestClient.connect(base, "first"));
            open.add(PusherTestSocket.connect(base, KEY));
            open.add(TestClient.connect(base, "second"));
            open.add(PusherTestSocket.connect(base, KEY));
            assertEquals(LIMIT, limits.open(), "two of each endpoint fill the replica");

            try (TestClient pusher = TestClient.connectRaw(pusherUri())) {
                JsonNode error = pusher.next(f -> "pusher:error".equals(f.path("event").asText()), TestClient.TIMEOUT);
                assertEquals(4100, error.path("data").path("code").asInt(), error.toString());
                assertEquals(4100, pusher.awaitCloseCode());
            }
            String ws = base.toString().replaceFirst("^http", "ws") + "ws?user=third";
            assertEquals(503, TestClient.upgradeStatus(URI.create(ws), null), "a /ws upgrade to a full replica");

            assertEquals(LIMIT, limits.open(), "the refused connections were never counted");
            assertEquals(LIMIT, connections.count());
        } finally {
            for (AutoCloseable client : open) {
                try {
                    client.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        await().atMost(TestClient.TIMEOUT).until(() -> limits.open() == 0); // every closed connection is uncounted
        try (PusherTestSocket again = PusherTestSocket.connect(base, KEY)) {
            assertTrue(limits.open() >= 1, "a closed connection frees its place for either endpoint");
        }
    }

    private URI pusherUri() {
        return URI.create(base.toString().replaceFirst("^http", "ws") + "app/" + KEY + "?protocol=7");
    }
}
