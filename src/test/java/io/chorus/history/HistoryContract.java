package io.chorus.history;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.chorus.backplane.Backplane;
import io.chorus.backplane.Envelope;
import io.chorus.backplane.Subscription;
import io.chorus.protocol.StreamPosition;

/** What every {@link History} must do. */
abstract class HistoryContract {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final List<Subscription> subscriptions = new ArrayList<>();

    /** A history keeping at most {@code maxLength} messages per stream, publishing on the test's medium. */
    abstract History history(int maxLength);

    /** A backplane on the same medium, to watch what the history publishes. */
    abstract Backplane observer();

    @AfterEach
    void closeSubscriptions() {
        subscriptions.forEach(Subscription::close);
    }

    static StreamName stream() {
        return StreamName.room("h-" + UUID.randomUUID().toString().substring(0, 8));
    }

    /** A message whose frame history never reads: any text does. */
    static Envelope frame(String text) {
        return Envelope.of(Envelope.Kind.ROOM, "r", 1L, null, "{\"id\":\"" + UUID.randomUUID() + "\",\"payload\":\"" + text + "\"}");
    }

    private static StreamPosition positionOf(String published) {
        return Envelope.decode(published).position();
    }

    @Test
    void publishedMessagesGetConsecutiveOffsetsInOneEpochAndArriveWithThem() throws InterruptedException {
        History history = history(100);
        StreamName stream = stream();
        String channel = "ch-" + stream.name();
        BlockingQueue<String> live = watch(channel);
        StreamPosition first = history.publish(stream, channel, frame("one")).await().atMost(TIMEOUT);
        StreamPosition second = history.publish(stream, channel, frame("two")).await().atMost(TIMEOUT);
        assertEquals(1, first.offset());
        assertEquals(2, second.offset());
        assertEquals(first.epoch(), second.epoch());
        String delivered = live.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(first, positionOf(delivered));
        assertTrue(Envelope.decode(delivered).frame().contains("\"one\""));
        assertEquals(second, positionOf(live.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS)));
    }

    @Test
    void readAfterAPositionReturnsExactlyTheLaterMessagesInOrder() {
        History history = history(100);
        StreamName stream = stream();
        List<StreamPosition> positions = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            positions.add(history.publish(stream, "ch", frame("m" + i)).await().atMost(TIMEOUT));
        }
        HistoryRead read = history.readAfter(stream, positions.get(3), 100).await().atMost(TIMEOUT);
        assertTrue(read.recoverable());
        assertEquals(6, read.messages().size());
        for (int i = 0; i < 6; i++) {
            assertEquals(5 + i, read.messages().get(i).position().offset());
            assertTrue(read.messages().get(i).frame().contains("\"m" + (5 + i) + "\""));
        }
        assertEquals(positions.get(9), read.top());
    }

    @Test
    void readIsPagedByItsLimit() {
        History history = history(100);
        StreamName stream = stream();
        StreamPosition start = history.top(stream).await().atMost(TIMEOUT);
        for (int i = 0; i < 10; i++) {
            history.publish(stream, "ch", frame("m" + i)).await().atMost(TIMEOUT);
        }
        HistoryRead page = history.readAfter(stream, start, 4).await().atMost(TIMEOUT);
        assertEquals(4, page.messages().size());
        assertEquals(1, page.messages().get(0).position().offset());
    }

    @Test
    void readAtTheTopIsRecoverableAndEmpty() {
        History history = history(100);
        StreamName stream = stream();
        StreamPosition top = history.publish(stream, "ch", frame("only")).await().atMost(TIMEOUT);
        HistoryRead read = history.readAfter(stream, top, 100).await().atMost(TIMEOUT);
        assertTrue(read.recoverable());
        assertTrue(read.messages().isEmpty());
    }

    @Test
    void newStreamIsAtOffsetZeroOfTheEmptyEpochAndAPositionThereRecoversItsFirstMessages() {
        History history = history(100);
        StreamName stream = stream();
        StreamPosition top = history.top(stream).await().atMost(TIMEOUT);
        assertEquals(new StreamPosition(0, ""), top);
        StreamPosition first = history.publish(stream, "ch", frame("first")).await().atMost(TIMEOUT);
        assertEquals(1, first.offset());
        assertFalse(first.epoch().isEmpty());
        HistoryRead read = history.readAfter(stream, top, 10).await().atMost(TIMEOUT);
        assertTrue(read.recoverable());
        assertEquals(1, read.messages().size());
        assertEquals(first, read.end());
    }

    @Test
    void readingAStreamThatDoesNotExistLeavesItWithoutAnEpoch() {
        History history = history(100);
        StreamName stream = stream();
        assertFalse(history.readAfter(stream, new StreamPosition(3, "gone"), 10).await().atMost(TIMEOUT).recoverable());
        history.readAfter(stream, new StreamPosition(0, ""), 10).await().atMost(TIMEOUT);
        assertEquals(new StreamPosition(0, ""), history.top(stream).await().atMost(TIMEOUT));
    }

    @Test
    void historyKeepsOnlyTheLastMaxLengthMessagesAndSaysWhenItNoLongerReachesBack() {
        History history = history(5);
        StreamName stream = stream();
        StreamPosition start = history.top(stream).await().atMost(TIMEOUT);
        List<StreamPosition> positions = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            positions.add(history.publish(stream, "ch", frame("m" + i)).await().atMost(TIMEOUT));
        }
        assertFalse(history.readAfter(stream, start, 100).await().atMost(TIMEOUT).recoverable(), "7 trimmed");
        HistoryRead justInReach = history.readAfter(stream, positions.get(6), 100).await().atMost(TIMEOUT);
        assertTrue(justInReach.recoverable());
        assertEquals(5, justInReach.messages().size());
        assertFalse(history.readAfter(stream, positions.get(5), 100).await().atMost(TIMEOUT).recoverable());
    }

    @Test
    void anotherEpochIsNotRecoverableButTheCurrentOneIsReplayedFromItsStartWhileComplete() {
        History history = history(100);
        StreamName stream = stream();
        StreamPosition first = history.publish(stream, "ch", frame("x")).await().atMost(TIMEOUT);
        StreamPosition second = history.publish(stream, "ch", frame("y")).await().atMost(TIMEOUT);
        HistoryRead read = history.readAfter(stream, new StreamPosition(7, "not-" + first.epoch()), 100)
                .await().atMost(TIMEOUT);
        assertFalse(read.recoverable());
        assertEquals(new StreamPosition(0, first.epoch()), read.from());
        assertEquals(List.of(first, second), read.messages().stream().map(Envelope::position).toList());
        assertEquals(second, read.top());
    }

    @Test
    void anotherEpochIsNotRecoverableAndNothingIsReplayedOnceTheCurrentOneIsTrimmed() {
        History history = history(3);
        StreamName stream = stream();
        StreamPosition last = null;
        for (int i = 0; i < 5; i++) {
            last = history.publish(stream, "ch", frame("m" + i)).await().atMost(TIMEOUT);
        }
        HistoryRead read = history.readAfter(stream, new StreamPosition(2, "not-" + last.epoch()), 100)
                .await().atMost(TIMEOUT);
        assertFalse(read.recoverable());
        assertTrue(read.messages().isEmpty());
        assertEquals(last, read.from());
        assertEquals(last, read.top());
    }

    @Test
    void positionBeyondTheTopIsNotRecoverable() {
        History history = history(100);
        StreamName stream = stream();
        StreamPosition position = history.publish(stream, "ch", frame("x")).await().atMost(TIMEOUT);
        assertFalse(history.readAfter(stream, new StreamPosition(position.offset() + 5, position.epoch()), 100)
                .await().atMost(TIMEOUT).recoverable());
    }

    @Test
    void streamsAreIndependent() {
        History history = history(100);
        StreamName one = stream();
        StreamName two = stream();
        history.publish(one, "ch1", frame("a")).await().atMost(TIMEOUT);
        assertEquals(1, history.publish(two, "ch2", frame("b")).await().atMost(TIMEOUT).offset());
        assertEquals(StreamName.room("x"), StreamName.room("x"));
        assertFalse(StreamName.room("x").equals(StreamName.broadcast("x")));
    }

    @Test
    void sharedReadsGatherEveryPageAndRefuseTooLongARecovery() {
        History history = history(100);
        StreamName stream = stream();
        StreamPosition start = history.top(stream).await().atMost(TIMEOUT);
        for (int i = 0; i < 25; i++) {
            history.publish(stream, "ch", frame("m" + i)).await().atMost(TIMEOUT);
        }
        HistoryRead all = new SharedReads(history, 4, 100).readAll(stream, start, "cohort").await().atMost(TIMEOUT);
        assertTrue(all.recoverable());
        assertEquals(25, all.messages().size());
        for (int i = 0; i < 25; i++) {
            assertEquals(i + 1, all.messages().get(i).position().offset());
        }
        HistoryRead fresh = new SharedReads(history, 4, 100).readAllFresh(stream, start).await().atMost(TIMEOUT);
        assertEquals(all.messages(), fresh.messages());
        assertFalse(new SharedReads(history, 4, 10).readAll(stream, start, "cohort").await().atMost(TIMEOUT).recoverable());
        long bytes = all.messages().stream().map(Envelope::frame).mapToLong(io.chorus.protocol.FrameSize::utf8Length).sum();
        assertTrue(new SharedReads(history, 4, 100, bytes).readAll(stream, start, "c2").await().atMost(TIMEOUT)
                .recoverable(), "exactly at the byte bound");
        assertFalse(new SharedReads(history, 4, 100, bytes - 1).readAll(stream, start, "c3").await().atMost(TIMEOUT)
                .recoverable(), "one byte over");
    }

    /** What the history publishes on {@code channel}, from when the subscription is live. */
    BlockingQueue<String> watch(String channel) {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        Subscription subscription = observer().subscribe(channel, received::add);
        subscriptions.add(subscription);
        await().atMost(TIMEOUT).until(subscription::isLive);
        return received;
    }
}
