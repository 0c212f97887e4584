package io.chorus.history;

import io.chorus.backplane.Envelope;
import io.chorus.protocol.StreamPosition;
import io.smallrye.mutiny.Uni;

/**
 * Bounded per-stream history (a room, or the broadcast stream) with positions, so a client that reconnects — to
 * any replica — gets exactly what it missed, or is told it cannot. Two implementations pass one contract test
 * ({@code HistoryContract}): {@link RedisHistory} (Redis Streams, appended and published in one Lua script) and
 * {@link LocalHistory} (in memory, for a single replica).
 */
public interface History {

    /**
     * Gives the message the stream's next position, appends it to the stream's history, and publishes it on the
     * channel, atomically. The envelope has no position; what is stored and published is the same envelope with it
     * (docs/backplane.md). History never reads the client frame inside.
     */
    Uni<StreamPosition> publish(StreamName stream, String channel, Envelope message);

    /**
     * Up to {@code limit} messages (envelopes, each with its position) published after {@code seen}, in order, when history still reaches back to it
     * (same epoch, nothing trimmed in between); otherwise a read that says it is not recoverable — with the current
     * epoch's frames from its start when {@code seen} names another epoch and the current one is complete from its
     * first message (see {@link HistoryRead}). A position in the empty epoch {@code ""} at offset 0 (taken before the
     * stream existed) recovers from the current epoch's start. Reading creates nothing.
     */
    Uni<HistoryRead> readAfter(StreamName stream, StreamPosition seen, int limit);

    /**
     * The stream's latest position: offset 0 of the empty epoch {@code ""} for a stream that has no history (never
     * published to, or expired). Creates nothing.
     */
    Uni<StreamPosition> top(StreamName stream);
}
