package io.chorus.pusher;

import java.util.regex.Pattern;

/** Pusher channel names and what their prefix makes of them. */
final class ChannelName {

    /** Letters, digits and {@code _ - = @ , . ;}, as Pusher allows, up to 200 characters. */
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_\\-=@,.;]{1,200}");

    private ChannelName() {
    }

    static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches();
    }

    static boolean isPresence(String name) {
        return name.startsWith("presence-");
    }

    static boolean isPrivate(String name) {
        return name.startsWith("private-");
    }

    /** Private and presence channels: subscribing needs a signature from the app's auth endpoint. */
    static boolean needsAuthorization(String name) {
        return isPrivate(name) || isPresence(name);
    }

    /** Where clients may send {@code client-*} events: private and presence channels, not end-to-end encrypted ones. */
    static boolean allowsClientEvents(String name) {
        return needsAuthorization(name) && !name.startsWith("private-encrypted-");
    }
}
