package io.chorus.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

class ShutdownIT {

    @Test
    void sigtermClosesEveryClientWith1001SoItReconnectsElsewhere() {
        try (ReplicaProcess replica = ReplicaProcess.start("leaving", null);
                TestClient u1 = replica.connect("u1"); TestClient u2 = replica.connect("u2")) {
            assertTrue(replica.terminate(Duration.ofSeconds(20)), "the replica exits on SIGTERM");
            assertEquals(1001, u1.awaitCloseCode());
            assertEquals(1001, u2.awaitCloseCode());
        }
    }
}
