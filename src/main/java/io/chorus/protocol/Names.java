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
        return isName(name, MAX_ROOM, "._:/-");
    }

    public static boolean isUser(String id) {
        return isName(id, MAX_USER, "._@:-");
    }

    /** 1 to {@code max} characters, each a letter or digit (ASCII) or one of {@code punctuation}. */
    private static boolean isName(String text, int max, String punctuation) {
        if (text == null || text.isEmpty() || text.length() > max) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isAlphanumeric(c) && punctuation.indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
