package io.chorus.presence;

/** Hears presence changes found in the background (expiry, restoration), not caused by a local join or leave. */
public interface PresenceListener {

    /** The user became present in the scope, which now holds {@code users} users. */
    void joined(String scope, String user, long users);

    /** The user is no longer present in the scope, which now holds {@code users} users. */
    void left(String scope, String user, long users);
}
