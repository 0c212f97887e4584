package io.chorus.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.chorus.backplane.Backplane;
import io.chorus.backplane.LocalBackplane;
import io.chorus.backplane.LocalBroker;
import io.chorus.protocol.StreamPosition;

class LocalHistoryTest extends HistoryContract {

    private final LocalBroker broker = new LocalBroker();
    private final AtomicLong now = new AtomicLong();

    @Override
    History history(int maxLength) {
        return new LocalHistory(new LocalBackplane(broker), maxLength, Duration.ofHours(1), 10_000);
    }

    @Override
    Backplane observer() {
        return new LocalBackplane(broker);
    }

    private LocalHistory clocked(Duration ttl, int maxStreams) {
        return new LocalHistory(new LocalBackplane(broker), 100, ttl, maxStreams, now::get);
    }

    @Test
    void readsOfManyRoomNamesKeepNothing() {
        LocalHistory history = clocked(Duration.ofHours(1), 100);
        for (int i = 0; i < 5_000; i++) {
            StreamName stream = StreamName.room("never-written-" + i);
            history.readAfter(stream, new StreamPosition(0, ""), 10).await().atMost(TIMEOUT);
            history.top(stream).await().atMost(TIMEOUT);
        }
        assertEquals(0, history.size());
    }

    @Test
    void aStreamIsDroppedTheTtlAfterItsLastMessageAndComesBackInANewEpoch() {
        LocalHistory history = clocked(Duration.ofSeconds(60), 100);
        StreamName stream = stream();
        StreamPosition before = history.publish(stream, "ch", frame("old")).await().atMost(TIMEOUT);
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertEquals(before, history.top(stream).await().atMost(TIMEOUT));
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertEquals(0, history.size());
        assertEquals(new StreamPosition(0, ""), history.top(stream).await().atMost(TIMEOUT));
        StreamPosition after = history.publish(stream, "ch", frame("new")).await().atMost(TIMEOUT);
        assertEquals(1, after.offset());
        assertNotEquals(before.epoch(), after.epoch());
        assertFalse(history.readAfter(stream, before, 10).await().atMost(TIMEOUT).recoverable());
    }

    @Test
    void pastTheCapTheStreamWrittenLeastRecentlyIsDropped() {
        LocalHistory history = clocked(Duration.ofHours(1), 3);
        StreamName a = stream();
        StreamName b = stream();
        StreamName c = stream();
        StreamName d = stream();
        history.publish(a, "ch", frame("a")).await().atMost(TIMEOUT);
        history.publish(b, "ch", frame("b")).await().atMost(TIMEOUT);
        history.publish(c, "ch", frame("c")).await().atMost(TIMEOUT);
        history.publish(a, "ch", frame("a again")).await().atMost(TIMEOUT);
        history.publish(d, "ch", frame("d")).await().atMost(TIMEOUT);
        assertEquals(3, history.size());
        assertEquals(0, history.top(b).await().atMost(TIMEOUT).offset());
        assertEquals(2, history.top(a).await().atMost(TIMEOUT).offset());
    }
}
