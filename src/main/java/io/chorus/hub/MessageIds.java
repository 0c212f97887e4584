package io.chorus.hub;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;

/**
 * Message ids unique across the cluster and across restarts: {@code <replica>-<incarnation>-<sequence>}, where the
 * incarnation is random per process start and the sequence counts up from 1.
 */
@Singleton
class MessageIds {

    private final String prefix;
    private final AtomicLong sequence = new AtomicLong();

    MessageIds(ChorusConfig config) {
        this.prefix = config.replicaId() + "-" + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36), 36) + "-";
    }

    String next() {
        return prefix + Long.toString(sequence.incrementAndGet(), 36);
    }
}
