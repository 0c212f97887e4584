package io.chorus.protocol;

/** A command a client sends; see docs/protocol.md for the wire form of each. */
public sealed interface ClientCommand {

    /** The client's correlation id, echoed in the {@code ack} or {@code error} it causes; may be null. */
    String ref();

    /**
     * {@code {"type":"publish","payload":…}}: deliver the payload to every client on every replica, or, with
     * {@code room}, to every member of the room.
     */
    record Publish(String ref, String room, RawJson payload) implements ClientCommand {
    }

    /** {@code {"type":"direct","to":…,"payload":…}}: deliver to every connection of one user. */
    record Direct(String ref, String to, RawJson payload) implements ClientCommand {
    }

    /** {@code {"type":"join","room":…}}, optionally recovering from {@code since} (null: nothing to recover). */
    record Join(String ref, String room, StreamPosition since) implements ClientCommand {
    }

    /** {@code {"type":"leave","room":…}}. */
    record Leave(String ref, String room) implements ClientCommand {
    }

    /** {@code {"type":"members","room":…}}: who is in the room, cluster-wide. */
    record ListMembers(String ref, String room) implements ClientCommand {
    }

    /** {@code {"type":"refresh","token":…}}: a fresh token for the same user, before the current one expires. */
    record Refresh(String ref, String token) implements ClientCommand {
    }

    /**
     * {@code {"type":"auth","token":…}}: the first frame of a connection that did not put its token in the URL;
     * nothing else is accepted before it.
     */
    record Authenticate(String ref, String token) implements ClientCommand {
    }

    /**
     * {@code {"type":"history","room":…,"limit":…}}: a room's latest messages (no room: the broadcast stream's), or,
     * with {@code since}, those after that position; {@code limit} 0 means the server's default.
     */
    record History(String ref, String room, StreamPosition since, int limit) implements ClientCommand {
    }

    /** {@code {"type":"online"}}: who is connected, cluster-wide. */
    record ListOnline(String ref) implements ClientCommand {
    }
}
