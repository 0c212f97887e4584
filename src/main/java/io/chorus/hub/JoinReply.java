package io.chorus.hub;

import io.chorus.protocol.StreamPosition;

/**
 * Sends the reply that announces a join (a room's {@code joined}, a connection's {@code welcome}). It runs just
 * before the messages the join recovered are written, so the client reads the reply first, then what it missed,
 * then live messages.
 */
@FunctionalInterface
public interface JoinReply {

    /**
     * @param recovered null when nothing was to be recovered; else whether every missed message follows
     * @param position the stream's position at the join, or null for a stream without history
     */
    void send(Boolean recovered, StreamPosition position);
}
