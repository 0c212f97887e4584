package io.chorus.auth;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Which rooms a permission covers: exact names, prefixes ending in {@code *}, or {@code *}. A private room (its name
 * starts with the private prefix) is covered only by its exact name or by a pattern whose prefix is itself private,
 * so a plain {@code *} never opens private rooms.
 */
public final class RoomPatterns {

    private final List<String> exact = new ArrayList<>();
    private final List<String> prefixes = new ArrayList<>();
    private final String privatePrefix;

    /** The patterns, with {@code {user}} replaced by {@code user}; {@code none} (or no pattern) covers nothing. */
    public RoomPatterns(Collection<String> patterns, String user, String privatePrefix) {
        this.privatePrefix = privatePrefix;
        for (String pattern : patterns) {
            String p = pattern.strip().replace("{user}", user);
            if (p.isEmpty() || p.equals("none")) {
                continue;
            }
            if (p.endsWith("*")) {
                prefixes.add(p.substring(0, p.length() - 1));
            } else {
                exact.add(p);
            }
        }
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
