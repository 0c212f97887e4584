package io.chorus.backplane;

/** A live or healing subscription to one backplane channel. */
public interface Subscription extends AutoCloseable {

    /** Whether messages published now will reach the consumer. */
    boolean isLive();

    /** Why the subscription is not live; empty while it is. */
    String downReason();

    /** Stops delivery and releases the backplane resources; idempotent. */
    @Override
    void close();
}
