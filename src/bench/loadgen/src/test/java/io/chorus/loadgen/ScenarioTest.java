package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class ScenarioTest {

    @Test
    void broadcastSpreadsConnectionsAndPublishersOverReplicas() {
        Scenario.Plan plan = Scenario.BROADCAST.plan(10, 2, 4, 5);
        assertEquals(5, plan.connectionsOn(0));
        assertEquals(5, plan.connectionsOn(1));
        assertArrayEquals(new int[] { 0, 1, 2, 3 }, plan.publisherConnections());
        assertNull(plan.roomOfPublisher(0));
        assertEquals(10.0, plan.fanOut());
    }

    @Test
    void roomsHaveOnePublisherEachAndMembersOnEveryReplica() {
        Scenario.Plan plan = Scenario.ROOMS.plan(12, 2, 99, 4);
        assertEquals(3, plan.roomNames().length);
        assertEquals(3, plan.publishers());
        assertEquals("lg-room-1", plan.roomOfConnection(5));
        assertEquals("lg-room-2", plan.roomOfPublisher(2));
        assertEquals(4.0, plan.fanOut());
        // members 4..7 of room 1 sit on both replicas
        assertEquals(0, plan.replicaOf()[4]);
        assertEquals(1, plan.replicaOf()[5]);
    }

    @Test
    void theHotRoomHasEveryone() {
        Scenario.Plan plan = Scenario.HOT_ROOM.plan(1000, 2, 3, 5);
        assertEquals(1, plan.roomNames().length);
        assertEquals(1000, plan.groupSize(0));
        assertEquals("lg-hot", plan.roomOfPublisher(2));
    }

    @Test
    void theReconnectStormPutsPublishersOnTheSurvivorAndSubscribersOnTheReplicaToBeLost() {
        Scenario.Plan plan = Scenario.RECONNECT.plan(100, 2, 3, 0);
        assertEquals(103, plan.connections());
        assertArrayEquals(new int[] { 0, 1, 2 }, plan.publisherConnections());
        assertEquals(3, plan.connectionsOn(0));
        assertEquals(100, plan.connectionsOn(1));
        assertNull(plan.roomOfPublisher(0), "broadcasts: everyone receives everything");
        assertEquals(Scenario.RECONNECT, Scenario.parse("reconnect"));
        assertEquals(100, Scenario.RECONNECT.plan(100, 3, 1, 0).connectionsOn(2), "the last replica is lost");
        assertThrows(IllegalArgumentException.class, () -> Scenario.RECONNECT.plan(100, 1, 1, 0));
    }

    @Test
    void optionsAreBoundedAndLoopbackOnly() {
        LoadOptions options = LoadOptions.parse("--scenario=broadcast", "--connections=2000", "--rate=50",
                "--duration=10s", "--sources=3");
        assertEquals(2, options.replicas());
        assertEquals(Duration.ofSeconds(10), options.duration());
        assertEquals("127.0.0.3", options.sourceAddresses().get(2));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--scenario=idle", "--duration=10m"));
        assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.parse("--scenario=idle", "--connections=5000000"));
        assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.parse("--scenario=idle", "--targets=ws://10.1.2.3:8080/ws"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--scenario=idle", "--conections=5"));
        assertEquals(1, LoadOptions.parse("--scenario=idle", "--targets=ws://127.0.0.1:8081/ws").replicas());
    }
}
