package io.chorus.transport;

import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * A token bucket per connection: {@code chorus.limits.publish-rate} messages a second on average, bursts of up to
 * {@code chorus.limits.publish-burst}. A flood from one client is refused message by message ({@code rate_limited})
 * and costs the backplane and everyone else nothing.
 */
@Singleton
class PublishRate {

    private static final TypedKey<TokenBucket> BUCKET = new TypedKey<>("chorus.publish-bucket");

    private final int rate;
    private final int burst;

    PublishRate(ChorusConfig config) {
        this.rate = config.limits().publishRate();
        this.burst = config.limits().publishBurst();
    }

    /** Takes one token from the connection's bucket; false when it is empty. */
    boolean tryAcquire(WebSocketConnection connection) {
        TokenBucket bucket = connection.userData().get(BUCKET);
        if (bucket == null) {
            bucket = new TokenBucket(rate, burst);
            connection.userData().put(BUCKET, bucket);
        }
        return bucket.tryTake();
    }
}
