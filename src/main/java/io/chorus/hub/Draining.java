package io.chorus.hub;

import jakarta.inject.Singleton;

/** Whether this replica is draining (shutting down): it accepts no new connections then. */
@Singleton
public class Draining {

    private volatile boolean draining;

    void start() {
        draining = true;
    }

    public boolean isDraining() {
        return draining;
    }
}
