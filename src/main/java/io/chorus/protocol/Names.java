package io.chorus.protocol;

/**
 * What room names and user ids may look like (docs/protocol.md): a room name is 1–128 of {@code A-Z a-z 0-9 . _ : / -},
 * a user id 1–64 of {@code A-Z a-z 0-9 . _ @ : -}. Checked character by character (a room name is checked on every
 * publish; a regular expression's matcher cost more than the whole check, docs/benchmarks.md "Rooms, session 8").
 */
public final class Names {

    private static final int MAX_ROOM = 128;
    private static final int MAX_USER = 64;

    private Names() {
    }

    public static boolean isRoom(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_ROOM) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isAlphanumeric(c) && c != '.' && c != '_' && c != ':' && c != '/' && c != '-') {
                return false;
            }
        }
        return true;
    }

    public static boolean isUser(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_USER) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!isAlphanumeric(c) && c != '.' && c != '_' && c != '@' && c != ':' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
