package io.chorus.presence;

/** Hears presence changes found in the background (expiry, restoration), not caused by a local join or leave. */
public interface PresenceListener {

    void joined(String scope, String user);

    void left(String scope, String user);
}
