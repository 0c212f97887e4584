package io.chorus.history;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.chorus.backplane.Envelope;
import io.chorus.protocol.StreamPosition;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

class SharedReadsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final StreamName STREAM = StreamName.room("lobby");
    private static final StreamPosition TOP = new StreamPosition(7, "e1");

    /** A history whose top reads answer only when told, and are counted. */
    private static final class HeldTops implements History {
        final List<UniEmitter<? super StreamPosition>> reads = new ArrayList<>();

        @Override
        public Uni<StreamPosition> publish(StreamName stream, String channel, Envelope message) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Uni<HistoryRead> readAfter(StreamName stream, StreamPosition seen, int limit) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Uni<StreamPosition> top(StreamName stream) {
            return Uni.createFrom().emitter(reads::add);
        }
    }

    @Test
    void topsAskedWhileOneIsInFlightShareItsRead() {
        HeldTops history = new HeldTops();
        SharedReads reads = new SharedReads(history, 10, 100);
        var first = reads.top(STREAM, "cohort").subscribeAsCompletionStage();
        var second = reads.top(STREAM, "cohort").subscribeAsCompletionStage();

        assertEquals(1, history.reads.size(), "one read in flight for both");
        history.reads.get(0).complete(TOP);
        assertEquals(TOP, Uni.createFrom().completionStage(first).await().atMost(TIMEOUT));
        assertEquals(TOP, Uni.createFrom().completionStage(second).await().atMost(TIMEOUT));
    }

    @Test
    void aTopAskedAfterTheSharedReadEndedReadsAgain() {
        HeldTops history = new HeldTops();
        SharedReads reads = new SharedReads(history, 10, 100);
        var first = reads.top(STREAM, "cohort").subscribeAsCompletionStage();
        history.reads.get(0).complete(TOP);
        Uni.createFrom().completionStage(first).await().atMost(TIMEOUT);

        reads.top(STREAM, "cohort").subscribeAsCompletionStage();
        assertEquals(2, history.reads.size());
    }

    @Test
    void topsOfAnotherCohortDoNotShareARead() {
        HeldTops history = new HeldTops();
        SharedReads reads = new SharedReads(history, 10, 100);
        reads.top(STREAM, "before the subscription was lost").subscribeAsCompletionStage();
        reads.top(STREAM, "after").subscribeAsCompletionStage();
        assertEquals(2, history.reads.size());
    }
}
