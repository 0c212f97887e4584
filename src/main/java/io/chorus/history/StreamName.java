package io.chorus.history;

/**
 * A stream with history: a room's, or the broadcast stream. {@code kind} keeps a room named like the broadcast
 * channel apart from it.
 */
public record StreamName(String kind, String name) {

    public static StreamName room(String room) {
        return new StreamName("room", room);
    }

    public static StreamName broadcast(String channel) {
        return new StreamName("broadcast", channel);
    }
}
