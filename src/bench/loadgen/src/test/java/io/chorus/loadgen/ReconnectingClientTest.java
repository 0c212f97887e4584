package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;

class ReconnectingClientTest {

    private static final URI REPLICA = URI.create("ws://127.0.0.1:8081/ws");
    private static final String WELCOME_EMPTY = "{\"v\":1,\"type\":\"welcome\",\"position\":{\"offset\":0,\"epoch\":\"\"}}";

    private final BroadcastLedger ledger = new BroadcastLedger();

    private static Buffer welcome(long offset, String epoch, Boolean recovered) {
        return Buffer.buffer("{\"v\":1,\"type\":\"welcome\",\"replica\":\"r1\",\"position\":{\"offset\":" + offset
                + ",\"epoch\":\"" + epoch + "\"}" + (recovered == null ? "" : ",\"recovered\":" + recovered) + "}");
    }

    private static Buffer message(long offset, String epoch) {
        return Buffer.buffer("{\"v\":1,\"type\":\"message\",\"offset\":" + offset + ",\"epoch\":\"" + epoch
                + "\",\"payload\":{}}");
    }

    private static UpgradeRejectedException refused(int status, String retryAfter) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        if (retryAfter != null) {
            headers.add("Retry-After", retryAfter);
        }
        return new UpgradeRejectedException("refused", status, headers, Buffer.buffer());
    }

    private BroadcastLedger.Merged merged() {
        return BroadcastLedger.merge(List.of(ledger.encode()));
    }

    @Test
    void aRefusalWithRetryAfterWaitsThatLongBeforeTheJitter() {
        ReconnectingClient client = new ReconnectingClient(ledger, true);

        assertEquals(503, client.failed(refused(503, "3")));

        assertEquals(3_000 + 499, client.nextRetryMillis(bound -> bound - 1), "3 s asked, then attempt 0's jitter");
        assertEquals(3_000, client.nextRetryMillis(bound -> 0), "still asked until a connection opens");
    }

    @Test
    void aFailureThatIsNoRefusalForgetsTheEarlierRetryAfter() {
        ReconnectingClient client = new ReconnectingClient(ledger, true);
        client.failed(refused(503, "5"));

        assertEquals(0, client.failed(new java.net.ConnectException("Connection refused")));

        assertEquals(499, client.nextRetryMillis(bound -> bound - 1));
    }

    @Test
    void eachAttemptDoublesTheCeilingUntilAWelcomeStartsItOver() {
        ReconnectingClient client = new ReconnectingClient(ledger, false);

        assertEquals(499, client.nextRetryMillis(bound -> bound - 1));
        assertEquals(999, client.nextRetryMillis(bound -> bound - 1));
        assertEquals(1_999, client.nextRetryMillis(bound -> bound - 1));
        assertEquals(1, client.nextRetryMillis(bound -> 0), "never sooner than 1 ms");
        client.welcome(welcome(4, "e1", null));

        assertEquals(499, client.nextRetryMillis(bound -> bound - 1));
        client.nextRetryMillis(bound -> 0);
        client.restartBackoff();
        assertEquals(499, client.nextRetryMillis(bound -> bound - 1), "a lost connection starts over too");
    }

    @Test
    void aNewConnectionAsksToRecoverFromTheLastBroadcastSeen() {
        ReconnectingClient client = new ReconnectingClient(ledger, true);
        assertEquals("/ws?user=lg-7", client.connectTo(REPLICA, "lg-7").getURI(), "nothing to recover yet");
        client.welcome(welcome(40, "e9", null));
        assertTrue(client.broadcast(message(41, "e9"), 41));

        WebSocketConnectOptions next = client.connectTo(REPLICA, "lg-7");

        assertEquals("/ws?user=lg-7&since=41&epoch=e9", next.getURI());
        assertEquals("127.0.0.1", next.getHost());
        assertEquals(8081, next.getPort());
        assertEquals("/ws?since=41&epoch=e9", client.connectTo(REPLICA, null).getURI());
    }

    @Test
    void theStormRecoversOnlyWithAnEpochAndTheJavaScriptRuleFromAnyPosition() {
        ReconnectingClient storm = new ReconnectingClient(ledger, true);
        ReconnectingClient javascript = new ReconnectingClient(ledger, false);
        storm.welcome(Buffer.buffer(WELCOME_EMPTY));
        javascript.welcome(Buffer.buffer(WELCOME_EMPTY));

        assertEquals("/ws?user=u", storm.connectTo(REPLICA, "u").getURI());
        assertEquals("/ws?since=0&epoch=", javascript.connectTo(REPLICA, null).getURI());
    }

    @Test
    void aRecoveryTheServerRefusedDeclaresTheSkippedBroadcastsAsAGap() {
        ReconnectingClient client = new ReconnectingClient(ledger, true);
        client.welcome(welcome(10, "e1", null));
        client.connectTo(REPLICA, "u");

        assertFalse(client.welcome(welcome(25, "e1", false)));

        assertEquals(25, client.lastOffset());
        assertEquals(15, merged().declaredGaps());
        assertTrue(client.broadcast(message(26, "e1"), 26));
        assertEquals(0, merged().holes());
    }

    @Test
    void aRecoveredWelcomeKeepsThePositionSoTheMissedBroadcastsFollow() {
        ReconnectingClient client = new ReconnectingClient(ledger, true);
        client.welcome(welcome(10, "e1", null));
        client.connectTo(REPLICA, "u");

        assertTrue(client.welcome(welcome(14, "e1", true)));

        assertEquals(10, client.lastOffset(), "11 to 14 are still to come");
        assertTrue(client.broadcast(message(11, "e1"), 11));
        assertEquals(0, merged().declaredGaps());
    }

    @Test
    void aBroadcastSeenTwiceIsADuplicateAndOneSkippedIsAHole() {
        ReconnectingClient client = new ReconnectingClient(ledger, false);
        client.welcome(welcome(0, "", null));

        assertTrue(client.broadcast(message(1, "e2"), 1));
        assertEquals("e2", client.epoch(), "the first broadcast names the epoch");
        assertFalse(client.broadcast(message(1, "e2"), 1));
        assertTrue(client.broadcast(message(4, "e2"), 4));

        BroadcastLedger.Merged merged = merged();
        assertEquals(1, merged.duplicates());
        assertEquals(2, merged.holes());
        assertEquals(Map.of(1L, 1L, 4L, 1L), merged.receivedByOffset());
    }

    @Test
    void aGapEventMovesThePositionToWhereTheServerSaysDeliveryContinues() {
        ReconnectingClient client = new ReconnectingClient(ledger, false);
        client.welcome(welcome(3, "e1", null));

        client.gap(Buffer.buffer("{\"v\":1,\"type\":\"gap\",\"recovered\":false,\"position\":{\"offset\":9,\"epoch\":\"e1\"}}"));

        assertEquals(9, client.lastOffset());
        assertEquals(6, merged().declaredGaps());
        assertTrue(client.broadcast(message(10, "e1"), 10));
        assertEquals(0, merged().holes());
    }

    @Test
    void aClosedConnectionIsNoLongerWelcomed() {
        ReconnectingClient client = new ReconnectingClient(ledger, false);
        client.welcome(welcome(0, "", null));
        assertTrue(client.welcomed());

        client.closed();

        assertFalse(client.welcomed());
        assertFalse(client.connected(), "no connection was ever open");
    }
}
