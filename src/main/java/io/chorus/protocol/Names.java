package io.chorus.protocol;

import java.util.regex.Pattern;

/** What room names and user ids may look like (docs/protocol.md). */
public final class Names {

    private static final Pattern ROOM = Pattern.compile("[A-Za-z0-9._:/-]{1,128}");
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._@:-]{1,64}");

    private Names() {
    }

    public static boolean isRoom(String name) {
        return name != null && ROOM.matcher(name).matches();
    }

    public static boolean isUser(String id) {
        return id != null && USER.matcher(id).matches();
    }
}
