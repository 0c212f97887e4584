package io.chorus.hub;

import io.chorus.protocol.CloseCode;

/**
 * A protocol other than the native one, spoken by some connections in rooms (the Pusher protocol). Room frames
 * travel over the backplane in the native encoding of docs/protocol.md; for the connections of a dialect each frame
 * is translated once per replica and room, and the same translated text is written to each of them that accepts it.
 * A connection speaks a dialect when its {@link Session} names one.
 */
public interface Dialect {

    /**
     * A frame in the dialect, and a mark of the dialect's own that {@link #accepts} reads to keep it from some
     * connections (null: none).
     */
    record Translation(String text, Object skip) {
    }

    /**
     * The native room frame in this dialect, or null when the dialect has nothing to say for it. {@code except} is the
     * Pusher socket its envelope names as one that must not receive it (docs/backplane.md), or null.
     */
    Translation translate(String room, String frame, String except);

    /** Whether this connection receives the translation (a dialect may keep an event from the one that caused it). */
    boolean accepts(Session session, String room, Translation translation);

    /** How the dialect says a close the hub decided (idle, slow consumer); the native reason when it has no word. */
    default CloseCode closeReason(CloseCode nativeReason) {
        return nativeReason;
    }

    /** The reason to close a session with, in its own dialect. */
    static CloseCode closeReasonFor(Session session, CloseCode nativeReason) {
        Dialect dialect = session.dialect();
        return dialect == null ? nativeReason : dialect.closeReason(nativeReason);
    }
}
