package io.chorus.auth;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Which rooms (or, for {@code direct}, which user ids) a permission covers: exact names, prefixes ending in
 * {@code *}, or {@code *}. A private room (its name starts with the private prefix) is covered only by its exact name
 * or by a pattern whose prefix is itself private, so a plain {@code *} never opens private rooms.
 * <p>
 * {@code {user}} stands for the user's id. In a prefix pattern the character right after {@code {user}} is the
 * separator ({@code {user}:*}, {@code inbox.{user}.*}), and a user id that contains it gets nothing from that pattern:
 * otherwise user {@code alice:inbox} would reach {@code alice:inbox:2fa-codes}, a room of {@code alice}. A prefix
 * pattern with {@code *} right after {@code {user}} ({@code {user}*}) has no separator and covers nothing.
 */
public final class RoomPatterns {

    private static final String USER = "{user}";

    private final List<String> exact = new ArrayList<>();
    private final List<String> prefixes = new ArrayList<>();
    private final String privatePrefix;

    /** The patterns, with {@code {user}} replaced by {@code user}; {@code none} (or no pattern) covers nothing. */
    public RoomPatterns(Collection<String> patterns, String user, String privatePrefix) {
        this.privatePrefix = privatePrefix;
        for (String pattern : patterns) {
            String p = pattern.strip();
            if (p.isEmpty() || p.equals("none")) {
                continue;
            }
            if (p.endsWith("*")) {
                if (!substitutesUnambiguously(p, user)) {
                    continue;
                }
                String prefix = p.substring(0, p.length() - 1).replace(USER, user);
                prefixes.add(prefix);
            } else {
                exact.add(p.replace(USER, user));
            }
        }
    }

    /**
     * Whether each {@code {user}} of a prefix pattern is followed by a separator the user id does not contain, so
     * that no other user's substitution can produce the same prefix.
     */
    private static boolean substitutesUnambiguously(String pattern, String user) {
        for (int at = pattern.indexOf(USER); at >= 0; at = pattern.indexOf(USER, at + USER.length())) {
            int next = at + USER.length();
            char separator = pattern.charAt(next); // a prefix pattern ends in '*', so there is a next character
            if (separator == '*' || separator == '{' || user.indexOf(separator) >= 0) {
                return false;
            }
        }
        return true;
    }

    public boolean covers(String room) {
        if (exact.contains(room)) {
            return true;
        }
        boolean isPrivate = !privatePrefix.isEmpty() && room.startsWith(privatePrefix);
        for (String prefix : prefixes) {
            if (room.startsWith(prefix) && (!isPrivate || prefix.startsWith(privatePrefix))) {
                return true;
            }
        }
        return false;
    }
}
