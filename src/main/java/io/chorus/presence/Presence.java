package io.chorus.presence;

import io.smallrye.mutiny.Uni;

/**
 * Who is present where, across the cluster. A scope (a room, or everyone online) holds connections; a user is
 * present in a scope while at least one of its connections is, so a user with two tabs joins once and leaves when
 * its last tab goes. Two implementations pass one contract test ({@code PresenceContract}): {@link RedisPresence}
 * and {@link LocalPresence}.
 */
public interface Presence {

    /** Adds a connection of a user to a scope; the item is true when the user became present (its first connection). */
    Uni<Boolean> add(String scope, String connectionId, String user);

    /** Removes a connection; the item is the user when that was its last connection in the scope, else null. */
    Uni<String> remove(String scope, String connectionId);

    /** The scope's users (at most {@code limit} listed) and how many there are. */
    Uni<Members> members(String scope, int limit);

    /**
     * Registers who hears of changes that nobody asked for: users whose connections expired because their replica
     * stopped refreshing them (it died), and users that reappear when a replica restores presence lost with Redis.
     */
    void listen(PresenceListener listener);
}
