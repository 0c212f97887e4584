package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

class ClientTailsTest {

    @Test
    void aClientAtOrPastTheLastAckedOffsetIsCaughtUpWhetherConnectedOrNot() {
        ClientTails tails = new ClientTails();
        tails.add(10, true, 10);
        tails.add(12, false, 10); // a gap event can move a client past the last acked offset

        assertEquals(2, tails.caughtUp());
        assertEquals(0, tails.behindWhileConnected());
        assertEquals(0, tails.behindWhileDown());
    }

    @Test
    void aConnectedClientShortOfTheLastAckedOffsetMissedThoseMessages() {
        ClientTails tails = new ClientTails();
        tails.add(7, true, 10);

        assertEquals(1, tails.behindWhileConnected());
        assertEquals(3, tails.missingWhileConnected());
        assertEquals(0, tails.caughtUp());
    }

    @Test
    void aClientStillReconnectingIsBehindWhileDownNotLost() {
        ClientTails tails = new ClientTails();
        tails.add(4, false, 10);
        tails.add(-1, false, 10);

        assertEquals(1, tails.behindWhileDown());
        assertEquals(6, tails.missingWhileDown());
        assertEquals(1, tails.neverWelcomed());
        assertEquals(0, tails.behindWhileConnected());
    }

    @Test
    void workersTailsAddUp() {
        ClientTails a = new ClientTails();
        a.add(10, true, 10);
        a.add(8, true, 10);
        ClientTails b = new ClientTails();
        b.add(10, true, 10);
        b.add(5, false, 10);

        ClientTails all = ClientTails.merge(List.of(a.encode(), b.encode()));

        assertEquals(2, all.caughtUp());
        assertEquals(1, all.behindWhileConnected());
        assertEquals(2, all.missingWhileConnected());
        assertEquals(1, all.behindWhileDown());
        assertEquals(5, all.missingWhileDown());
    }

    @Test
    void aMalformedLineIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ClientTails.merge(List.of("1 2 3")));
    }
}
