package io.chorus.history;

import java.util.List;

import io.chorus.backplane.Envelope;
import io.chorus.protocol.StreamPosition;

/**
 * A read of a stream's history after a position: the messages that follow {@code from}, in order, up to at most
 * {@code top}. Each is the envelope that was published, with its position (docs/backplane.md); the client frame is
 * completed with that position where it is written to a client.
 * <p>
 * When history reaches back to the position asked for, {@code recoverable} is true and {@code from} is that position.
 * When it does not, {@code recoverable} is false and {@code from} says where the messages start instead:
 * <ul>
 * <li>the stream's epoch changed (its history was lost, e.g. a Redis without persistence restarted) but the current
 * epoch is still complete from its first message: {@code from} is offset 0 of the current epoch, and the messages
 * replay it from its start;</li>
 * <li>otherwise (trimmed, expired, or a new epoch no longer complete): {@code from} is {@code top} and there are no
 * messages.</li>
 * </ul>
 *
 * @param recoverable whether history reaches back to the position asked for (same epoch, nothing trimmed between)
 * @param from the position the messages follow
 * @param messages the messages after {@code from}, in order
 * @param top the stream's latest position when read
 */
public record HistoryRead(boolean recoverable, StreamPosition from, List<Envelope> messages, StreamPosition top) {

    /** A read that reached back to {@code seen}. */
    public static HistoryRead recovered(StreamPosition seen, List<Envelope> messages, StreamPosition top) {
        return new HistoryRead(true, seen, messages, top);
    }

    /** A read that could not reach back: nothing follows but what comes after {@code top}. */
    public static HistoryRead lost(StreamPosition top) {
        return new HistoryRead(false, top, List.of(), top);
    }

    /** Where a reader stands once it has taken these messages: the last one's position, or {@code from}. */
    public StreamPosition end() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            StreamPosition at = messages.get(i).position();
            if (at != null) {
                return at;
            }
        }
        return from;
    }
}
