package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

class RoomLedgerTest {

    /** Two rooms of 3: room 0 is clients 0-2, room 1 clients 3-5; messages 0, 2, 4 go to room 0, 1, 3, 5 to room 1. */
    private final RoomPlan plan = new RoomPlan(2, 3, 10);

    @Test
    void membersAndReceiversAddUpOverWorkers() {
        RoomLedger a = new RoomLedger(2); // clients 0-3
        a.joined(0);
        a.joined(0);
        a.joined(0);
        a.joined(1);
        a.received(0);
        a.received(0);
        a.received(0);
        a.received(1);
        RoomLedger b = new RoomLedger(2); // clients 4-5
        b.joined(1);
        b.joined(1);
        b.received(1);
        b.received(1);
        b.duplicate();

        RoomLedger.Merged merged = RoomLedger.merge(List.of(a.encode(), b.encode()));

        assertEquals(new TreeMap<>(Map.of(0, 3L, 1, 3L)), merged.membersByRoom());
        assertEquals(6, merged.members());
        assertEquals(3, merged.receivers(0));
        assertEquals(3, merged.receivers(1));
        assertEquals(1, merged.messages().duplicates());
        assertTrue(RoomLedger.lostOf(merged, List.of(0L, 1L), plan).isEmpty());
    }

    @Test
    void anAckedMessageIsLostForEachMemberOfItsRoomThatDidNotGetIt() {
        RoomLedger a = new RoomLedger(2);
        for (int i = 0; i < 3; i++) {
            a.joined(0);
            a.joined(1);
        }
        a.received(0);
        a.received(0);
        a.received(0);
        a.received(1); // two members of room 1 missed message 1
        // message 2 (room 0) reached nobody; message 3 was never acked, so its absence is no loss

        RoomLedger.Merged merged = RoomLedger.merge(List.of(a.encode()));

        assertEquals(Map.of(1L, 2L, 2L, 3L), RoomLedger.lostOf(merged, List.of(0L, 1L, 2L), plan));
    }

    @Test
    void moreReceiversThanMembersIsASurplusAndAWrongRoomIsMisrouted() {
        RoomLedger a = new RoomLedger(2);
        a.joined(0);
        a.received(0);
        a.received(0);
        a.misrouted();
        a.hole(2);
        a.declaredGap(1);

        RoomLedger.Merged merged = RoomLedger.merge(List.of(a.encode()));

        assertEquals(1, RoomLedger.surplusOf(merged, List.of(0L), plan));
        assertEquals(1, merged.misrouted());
        assertEquals(2, merged.messages().holes());
        assertEquals(1, merged.messages().declaredGaps());
    }

    @Test
    void aWorkerWithoutRoomsMergesAsEmpty() {
        RoomLedger.Merged merged = RoomLedger.merge(List.of(new RoomLedger(1).encode()));

        assertEquals(0, merged.members());
        assertEquals(0, merged.messages().deliveries());
    }

    @Test
    void aRoomMessageIsToldFromABroadcastByItsRoom() {
        Buffer room = Buffer.buffer("{\"v\":1,\"type\":\"message\",\"offset\":3,\"epoch\":\"e1\",\"room\":\"scale-7\","
                + "\"id\":\"r1-a-1\",\"payload\":{\"lg\":[0,7,12]}}");
        Buffer broadcast = Buffer.buffer("{\"v\":1,\"type\":\"message\",\"offset\":3,\"epoch\":\"e1\",\"id\":\"r1-a-1\","
                + "\"payload\":{\"lg\":[0,7,12]}}");

        assertEquals("scale-7", FrameFields.roomOf(room));
        assertEquals(null, FrameFields.roomOf(broadcast));
    }
}
