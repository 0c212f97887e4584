package io.chorus.pusher;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Singleton;

/**
 * Socket ids in Pusher's form, {@code <digits>.<digits>} (the server SDKs check it): a random number drawn once per
 * process, then a counter, so ids are unique across the cluster's replicas and restarts (with overwhelming odds).
 */
@Singleton
class SocketIds {

    private final long incarnation = 1 + new SecureRandom().nextLong(999_999_999L);
    private final AtomicLong sequence = new AtomicLong();

    String next() {
        return incarnation + "." + sequence.incrementAndGet();
    }
}
