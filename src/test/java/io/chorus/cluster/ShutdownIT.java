package io.chorus.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/** SIGTERM drains: readiness goes DOWN, new upgrades are refused, open clients get 1001 in batches, the process exits. */
class ShutdownIT {

    @Test
    void sigtermClosesEveryClientWith1001SpreadOverTheDrainWindowAndRefusesNewOnes() throws Exception {
        List<TestClient> clients = new ArrayList<>();
        try (ReplicaProcess replica = ReplicaProcess.start("leaving", null, "chorus.shutdown.drain-window=2s",
                "quarkus.shutdown.delay=3s")) {
            for (int i = 0; i < 40; i++) {
                clients.add(replica.connect("u" + i));
            }
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
            Matcher drain = Pattern.compile("Draining 40 connection\\(s\\) over PT2S: (\\d+) batch").matcher(replica.log());
            assertTrue(drain.find(), replica.log());
            assertTrue(Integer.parseInt(drain.group(1)) > 1, "closes are spread over several batches");
        } finally {
            clients.forEach(TestClient::close);
        }
    }

}
