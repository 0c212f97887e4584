package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class RoomPlanTest {

    @Test
    void theIssuesRunIsAThousandRoomsOfAHundredAtAHundredMessagesASecond() {
        RoomPlan plan = RoomPlan.forClients(100_000, 0, 0, 0);

        assertEquals(new RoomPlan(1_000, 100, 100.0), plan);
        assertEquals(10_000.0, plan.deliveriesPerSecond());
    }

    @Test
    void aSmallerRunHasFewerRoomsOfTheSameSizeAndTheSameRatePerRoom() {
        RoomPlan plan = RoomPlan.forClients(20_000, 0, 0, 0);

        assertEquals(new RoomPlan(200, 100, 20.0), plan);
        assertEquals(RoomPlan.forClients(100_000, 0, 0, 0).rate() / 1_000, plan.rate() / plan.rooms(), 1e-9);
    }

    @Test
    void askedRoomsAndRateWinButNeverMoreRoomsThanTheClientsFill() {
        assertEquals(new RoomPlan(50, 10, 7.0), RoomPlan.forClients(1_000, 50, 10, 7));
        assertEquals(new RoomPlan(100, 10, 0.1 * 100), RoomPlan.forClients(1_005, 5_000, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> RoomPlan.forClients(99, 0, 100, 0));
    }

    @Test
    void aRoomIsABlockOfConsecutiveClientsSoItsMembersSitOnEveryReplica() {
        RoomPlan plan = new RoomPlan(3, 100, 1);

        assertEquals(0, plan.roomOf(0));
        assertEquals(0, plan.roomOf(99));
        assertEquals(1, plan.roomOf(100));
        assertEquals(2, plan.roomOf(299));
        assertEquals(-1, plan.roomOf(300), "clients past rooms x size join no room");
        Set<Integer> replicas = new HashSet<>();
        for (int client = 100; client < 200; client++) {
            replicas.add(client % 6);
        }
        assertEquals(6, replicas.size());
    }

    @Test
    void messagesTakeTheRoomsInTurn() {
        RoomPlan plan = new RoomPlan(1_000, 100, 100);

        assertEquals(0, plan.roomOfMessage(0));
        assertEquals(999, plan.roomOfMessage(999));
        assertEquals(0, plan.roomOfMessage(1_000));
        assertEquals(7, plan.roomOfMessage(5_007));
    }

    @Test
    void roomNamesReadBack() {
        assertEquals(417, RoomPlan.roomNamed(RoomPlan.name(417)));
        assertEquals(-1, RoomPlan.roomNamed("lobby"));
        assertEquals(-1, RoomPlan.roomNamed("scale-"));
        assertEquals(-1, RoomPlan.roomNamed("scale-1x"));
    }
}
