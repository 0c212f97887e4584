package io.chorus.hub;

import io.chorus.protocol.ClientCommand;

/**
 * What one session's user may do, as the {@code auth} package settles it from the token
 * ({@code auth.GrantedPermissions}); the session keeps it ({@link Session#permissions()}), the endpoints check it
 * before each command. The hub itself never reads it: it is the hub's type so that the hub needs nothing of
 * {@code auth}.
 */
public interface Permissions {

    /** Whether the user may be in the room (join it, read its history). */
    boolean mayJoin(String room);

    boolean maySeePresence(String room);

    /** Why the command is not allowed, or null when it is. */
    String refusal(ClientCommand command);
}
