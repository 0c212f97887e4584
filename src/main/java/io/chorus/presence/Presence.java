package io.chorus.presence;

import io.smallrye.mutiny.Uni;

/**
 * Who is present where, across the cluster. A scope (a room, or everyone online) holds connections; a user is
 * present in a scope while at least one of its connections is, so a user with two tabs joins once and leaves when
 * its last tab goes. Two implementations pass one contract test ({@code PresenceContract}): {@link RedisPresence}
 * and {@link LocalPresence}.
 */
public interface Presence {

    /**
     * What an add or a remove changed: the user that became present or absent (its first connection arrived, its last
     * one went; null when neither), and how many users the scope holds now.
     */
    record Change(String user, long users) {
    }

    /** Adds a connection of a user to a scope; the change names the user when it became present (its first connection). */
    default Uni<Change> add(String scope, String connectionId, String user) {
        return add(scope, connectionId, user, null);
    }

    /**
     * As {@link #add(String, String, String)}, with what the user says about itself ({@code info}, a JSON text; null:
     * nothing). {@link #members} lists it with the user; the latest connection's info wins.
     */
    Uni<Change> add(String scope, String connectionId, String user, String info);

    /** Removes a connection; the change names the user when that was its last connection in the scope. */
    Uni<Change> remove(String scope, String connectionId);

    /** The scope's users (at most {@code limit} listed, each with its info when it gave one) and how many there are. */
    Uni<Members> members(String scope, int limit);

    /**
     * Registers who hears of changes that nobody asked for: users whose connections expired because their replica
     * stopped refreshing them (it died), and users that reappear when a replica restores presence lost with Redis.
     * Every registered listener hears every change.
     */
    void listen(PresenceListener listener);
}
