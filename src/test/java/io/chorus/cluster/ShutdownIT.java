package io.chorus.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.chorus.testing.RawWebSocket;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/** SIGTERM drains: readiness goes DOWN, new upgrades are refused, open clients get 1001 in batches, the process exits. */
class ShutdownIT {

    @Test
    void sigtermClosesEveryClientWith1001SpreadOverTheDrainWindowAndRefusesNewOnes() throws Exception {
        List<TestClient> clients = new ArrayList<>();
        try (ReplicaProcess replica = ReplicaProcess.start("leaving", null, "chorus.shutdown.drain-window=3s",
                "quarkus.shutdown.delay=3s")) {
            for (int i = 0; i < 40; i++) {
                clients.add(replica.connect("u" + i));
            }
            List<Long> closedAt = Collections.synchronizedList(new ArrayList<>());
            clients.forEach(client -> client.closing().thenRun(() -> closedAt.add(System.nanoTime())));
            Thread terminator = new Thread(() -> replica.terminate(Duration.ofSeconds(30)));
            terminator.start();

            await().atMost(Duration.ofSeconds(10)).until(() -> replica.healthStatus("/q/health/ready") == 503);
            assertTrue(TestClient.upgradeStatus(URI.create(replica.baseUri().toString().replaceFirst("^http", "ws")
                    + "ws?user=late"), null) != 101, "no new connections while draining");
            for (TestClient client : clients) {
                assertEquals(1001, client.awaitCloseCode());
            }
            terminator.join(40_000);
            assertTrue(!replica.isAlive(), "the replica exits");
            Matcher drain = Pattern.compile("Draining 40 connection\\(s\\) over PT3S: (\\d+) batch").matcher(replica.log());
            assertTrue(drain.find(), replica.log());
            assertTrue(Integer.parseInt(drain.group(1)) > 1, "closes are spread over several batches");
            // Spread means the clients get their 1001s over the window, not all at once when it ends. A loaded machine
            // only stretches the batches further apart.
            long spread = Collections.max(closedAt) - Collections.min(closedAt);
            assertTrue(spread >= Duration.ofSeconds(1).toNanos(),
                    "the 1001s arrived within " + Duration.ofNanos(spread).toMillis() + " ms of each other");
        } finally {
            clients.forEach(TestClient::close);
        }
    }

    @Test
    void aClientThatNeverAnswersItsGoingAwayDoesNotHoldTheShutdown() throws Exception {
        try (ReplicaProcess replica = ReplicaProcess.start("leaving-silent", null, "chorus.shutdown.drain-window=1s",
                "quarkus.shutdown.delay=1s");
                TestClient answering = replica.connect("answers");
                RawWebSocket silent = new RawWebSocket(replica.baseUri(), "/ws?user=silent")) {
            // the raw client reads its welcome and never reads again, so it never answers its Close
            silent.nextText();
            answering.welcome();

            replica.terminate(Duration.ofSeconds(30));

            assertEquals(1001, answering.awaitCloseCode());
            assertTrue(!replica.isAlive(), "the replica exits");
            assertTrue(replica.log().contains("1 connection(s) did not answer their 1001 within"), replica.log());
            assertTrue(!replica.log().contains("still open after the drain"), replica.log());
        }
    }

}
