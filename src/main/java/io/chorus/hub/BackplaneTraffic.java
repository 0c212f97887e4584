package io.chorus.hub;

import java.util.concurrent.atomic.LongAdder;

import jakarta.inject.Singleton;

/** Counts what this replica receives from the backplane, so "a replica pays only for what its clients want" can be checked. */
@Singleton
public class BackplaneTraffic {

    private final LongAdder received = new LongAdder();

    void received() {
        received.increment();
    }

    /** Messages received from the backplane since start, on every channel. */
    public long receivedCount() {
        return received.sum();
    }
}
