package io.chorus.presence;

/** In-memory presence: replicas in one JVM share one store. */
class LocalPresenceTest extends PresenceContract {

    private final LocalPresence shared = new LocalPresence();

    @Override
    Presence replica() {
        return shared;
    }
}
