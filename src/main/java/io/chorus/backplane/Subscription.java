package io.chorus.backplane;

import io.smallrye.mutiny.Uni;

/** A subscription to one backplane channel: live, or healing. */
public interface Subscription extends AutoCloseable {

    /** The channel subscribed to. */
    String channel();

    /** Whether messages published now will reach the consumer. */
    boolean isLive();

    /** Why the subscription is not live; empty while it is. */
    String downReason();

    /**
     * Completes once the subscription is live — at once if it already is — so that every message published after
     * that reaches the consumer. Fails if the subscription is closed first.
     */
    Uni<Void> whenLive();

    /**
     * Runs the action each time the subscription becomes live again after being down (not the first time), so a
     * subscriber can fetch from history what was published while it was away. The action must not block.
     */
    void onRelive(Runnable action);

    /** Stops delivery and releases the channel; idempotent. */
    @Override
    void close();
}
