package io.chorus.protocol;

/**
 * A position in a stream: the offset of a message (1, 2, 3, …) and the stream's epoch. The epoch changes when the
 * stream's history is lost (a Redis without persistence restarted, or the history expired), so a client can tell a
 * gap that can be filled from one that cannot.
 */
public record StreamPosition(long offset, String epoch) {
}
