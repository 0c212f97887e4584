package io.chorus.backplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.chorus.backplane.Envelope.Kind;
import io.chorus.protocol.StreamPosition;

class EnvelopeTest {

    private static final String FRAME = "{\"v\":1,\"type\":\"message\",\"id\":\"r1-1\",\"payload\":\"a|b\\nc\"}";

    @ParameterizedTest
    @EnumSource(Kind.class)
    void everyKindSurvivesARoundTrip(Kind kind) {
        Envelope sent = Envelope.of(kind, "replica-1", 1_700_000_000_123L, null, FRAME);
        assertEquals(sent, Envelope.decode(sent.encode()));
    }

    @Test
    void aPositionAndAnExceptedSocketSurviveARoundTrip() {
        Envelope sent = Envelope.of(Kind.ROOM, "r1", 5L, "123.456", FRAME).at(new StreamPosition(42, "0a1b2c3d"));
        Envelope received = Envelope.decode(sent.encode());
        assertEquals(new StreamPosition(42, "0a1b2c3d"), received.position());
        assertEquals("123.456", received.except());
        assertEquals(sent, received);
    }

    @Test
    void theFrameIsCarriedVerbatimEvenWithNewlinesAndBars() {
        String frame = "{\"v\":1,\"type\":\"member_joined\",\"info\":{\n\"a\": \"x|y\"\n}}";
        assertEquals(frame, Envelope.decode(Envelope.of(Kind.PRESENCE, "r1", 0L, null, frame).encode()).frame());
    }

    @Test
    void anOriginOrSocketWithTheHeadersSeparatorsIsEscapedAndRestored() {
        Envelope sent = Envelope.of(Kind.DIRECT, "host|a%7C\nb", 1L, "s|%0A\n", FRAME);
        String text = sent.encode();
        assertEquals(1, text.substring(0, text.indexOf('{')).chars().filter(c -> c == '\n').count());
        assertEquals(sent, Envelope.decode(text));
    }

    @Test
    void whatTheHistoryScriptWritesBetweenTheTwoPartsIsThePosition() {
        Envelope sent = Envelope.of(Kind.BROADCAST, "r1", 9L, null, FRAME);
        String stored = sent.beforePosition() + 7 + ":" + "ffff0000" + sent.afterPosition();
        assertEquals(sent.at(new StreamPosition(7, "ffff0000")), Envelope.decode(stored));
    }

    @Test
    void withoutAPositionThereIsNone() {
        assertNull(Envelope.decode(Envelope.of(Kind.DIRECT, "r1", 1L, null, FRAME).encode()).position());
    }

    @Test
    void anEnvelopeOfANewerVersionIsRejectedAndSaysSo() {
        String newer = "#2|1:e|r|r9|1|\n" + FRAME;
        Envelope.Unreadable rejected = assertThrows(Envelope.Unreadable.class, () -> Envelope.decode(newer));
        assertTrue(rejected.getMessage().contains("version 2"), rejected.getMessage());
    }

    @Test
    void aBareClientFrameIsNoEnvelope() {
        Envelope.Unreadable rejected = assertThrows(Envelope.Unreadable.class, () -> Envelope.decode(FRAME));
        assertEquals("no envelope", rejected.getMessage());
    }

    @Test
    void aDamagedHeaderIsRejected() {
        for (String damaged : new String[] { "#1|", "#1||r|r1|1\n{}", "#1||q|r1|1|\n{}", "#1|x:e|r|r1|1|\n{}",
                "#1||r|r1|soon|\n{}", "#1|7|r|r1|1|\n{}", "#1||r|r1|1||extra\n{}" }) {
            assertThrows(Envelope.Unreadable.class, () -> Envelope.decode(damaged), damaged);
        }
    }

    @Test
    void onlyOrdersToTheReplicasAreKeptFromClients() {
        for (Kind kind : Kind.values()) {
            assertEquals(kind != Kind.DISCONNECT, kind.forClients(), kind.name());
        }
    }
}
