package io.chorus.backplane;

import java.util.function.Consumer;

import io.smallrye.mutiny.Uni;

/**
 * Cross-replica delivery. Whatever one replica publishes on a channel reaches the subscriber of that channel on
 * every replica, its own included, once, in the order the backplane received it.
 * <p>
 * A replica holds at most one subscription per channel; it fans out to its own connections itself. Two
 * implementations pass one contract test ({@code BackplaneContract}): {@link RedisBackplane}, for a cluster, and
 * {@link LocalBackplane}, in-process, for a single replica with nothing else installed.
 */
public interface Backplane {

    /** What this backplane is and where it points, for the startup log and the readiness check. */
    String description();

    /** Publishes one message on a channel. Fails when the backplane cannot take it; then nobody receives it. */
    Uni<Void> publish(String channel, String message);

    /**
     * Delivers each message published on the channel, once the subscription is live, to the consumer, and keeps
     * doing so across connection losses until the subscription is closed. The consumer must not block.
     *
     * @throws IllegalStateException when this backplane already has an open subscription to the channel
     */
    Subscription subscribe(String channel, Consumer<String> consumer);

    /** How many times this backplane reconnected to its server after losing it (0 for the embedded one). */
    default long reconnects() {
        return 0;
    }
}
