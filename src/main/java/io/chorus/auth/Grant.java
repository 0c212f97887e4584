package io.chorus.auth;

import java.util.List;

/**
 * What a token's {@code chorus} claim grants, as written: {@code {"subscribe":[…],"publish":[…],"presence":[…],
 * "direct":[…],"broadcast":true,"online":true}}; {@code direct} holds patterns of the user ids the user may send
 * direct messages to. A null field (absent from the claim) falls back to {@code chorus.auth.defaults}.
 */
public record Grant(List<String> subscribe, List<String> publish, List<String> presence, List<String> direct,
        Boolean broadcast, Boolean online) {

    /** A token without a {@code chorus} claim, and anonymous users: the defaults throughout. */
    public static final Grant DEFAULTS = new Grant(null, null, null, null, null, null);
}
