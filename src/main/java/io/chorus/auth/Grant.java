package io.chorus.auth;

import java.util.List;

/**
 * What a token's {@code chorus} claim grants, as written: {@code {"subscribe":[…],"publish":[…],"presence":[…],
 * "broadcast":true,"online":true}}. A null field (absent from the claim) falls back to {@code chorus.auth.defaults}.
 */
public record Grant(List<String> subscribe, List<String> publish, List<String> presence, Boolean broadcast,
        Boolean online) {

    /** A token without a {@code chorus} claim, and anonymous users: the defaults throughout. */
    public static final Grant DEFAULTS = new Grant(null, null, null, null, null);
}
