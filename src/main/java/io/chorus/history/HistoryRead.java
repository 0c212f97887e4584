package io.chorus.history;

import io.chorus.protocol.StreamPosition;

import java.util.List;

/**
 * A page read from a stream's history.
 *
 * @param recoverable whether history reaches back to the position asked for (same epoch, nothing trimmed between)
 * @param frames message frames after that position, in order (empty when not recoverable)
 * @param top the stream's latest position when read
 */
public record HistoryRead(boolean recoverable, List<String> frames, StreamPosition top) {
}
