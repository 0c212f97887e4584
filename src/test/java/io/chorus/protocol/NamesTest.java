package io.chorus.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The hand-written name checks accept exactly what the regular expressions of docs/protocol.md accept. */
class NamesTest {

    private static final Pattern ROOM = Pattern.compile("[A-Za-z0-9._:/-]{1,128}");
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._@:-]{1,64}");

    private static final String[] EDGES = { "", "a", "Z", "0", "9", ".", "_", ":", "/", "-", "@", " ", "a b", "lobby",
            "team/42:chat", "a.b_c-d", "user@example.com", "x".repeat(64), "x".repeat(65), "x".repeat(128),
            "x".repeat(129), "é", "a\u00e9", "a\n", "\ta", "a\u0000", "😀", "a😀", "[", "`", "{", "~", "*", "?", "#",
            "+", "=", "%2F", "\\", "\"", "'", ",", ";", "!" };

    @Test
    void roomNamesAcceptedAreExactlyThoseOfThePattern() {
        for (String name : EDGES) {
            assertEquals(ROOM.matcher(name).matches(), Names.isRoom(name), "room " + name);
        }
        for (char c = 0; c < 256; c++) {
            String name = "r" + c;
            assertEquals(ROOM.matcher(name).matches(), Names.isRoom(name), "room with char " + (int) c);
        }
        assertEquals(false, Names.isRoom(null));
    }

    @Test
    void userIdsAcceptedAreExactlyThoseOfThePattern() {
        for (String id : EDGES) {
            assertEquals(USER.matcher(id).matches(), Names.isUser(id), "user " + id);
        }
        for (char c = 0; c < 256; c++) {
            String id = "u" + c;
            assertEquals(USER.matcher(id).matches(), Names.isUser(id), "user with char " + (int) c);
        }
        assertEquals(false, Names.isUser(null));
    }
}
