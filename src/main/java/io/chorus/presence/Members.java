package io.chorus.presence;

import java.util.List;
import java.util.Map;

/**
 * The users present in a scope: how many, some or all of their ids, and what each listed user said about itself when
 * it joined ({@code info}: a JSON text, for instance a Pusher presence channel's {@code user_info}; users that gave
 * none have no entry).
 */
public record Members(long count, List<String> users, Map<String, String> info) {

    public Members(long count, List<String> users) {
        this(count, users, Map.of());
    }
}
