package io.chorus.pusher;

import java.net.URI;

/**
 * One Pusher app: its id (HTTP API paths), key (client connections), secret (signatures), and where its channels
 * live. Channel {@code C} is Chorus room {@code C} for the app that shares the native namespace, and room
 * {@code ~<id>~C} for any other app: {@code ~} is in neither a native room name nor a Pusher channel name, so no
 * native client and no other app can reach those rooms.
 */
public record PusherApp(String name, String id, String key, String secret, boolean nativeRooms, boolean clientEvents,
        URI webhookUrl) {

    /** The room a channel of this app lives on. */
    public String roomOf(String channel) {
        return nativeRooms ? channel : "~" + id + "~" + channel;
    }

    /** The channel a room of a Pusher app stands for (the inverse of {@link #roomOf}, whichever app it is). */
    public static String channelOf(String room) {
        return room.startsWith("~") ? room.substring(room.indexOf('~', 1) + 1) : room;
    }

    /** The app id a room belongs to when it is an isolated app's room, else null. */
    static String isolatedAppIdOf(String room) {
        int end = room.indexOf('~', 1);
        return room.startsWith("~") && end > 1 ? room.substring(1, end) : null;
    }
}
