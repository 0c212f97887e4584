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

    private static final TypedKey<Bucket> BUCKET = new TypedKey<>("chorus.publish-bucket");

    private final double perNano;
    private final double burst;

    PublishRate(ChorusConfig config) {
        this.perNano = config.limits().publishRate() / 1e9;
        this.burst = Math.max(1, config.limits().publishBurst());
    }

    /** Takes one token from the connection's bucket; false when it is empty. */
    boolean tryAcquire(WebSocketConnection connection) {
        Bucket bucket = connection.userData().get(BUCKET);
        if (bucket == null) {
            bucket = new Bucket(burst, System.nanoTime());
            connection.userData().put(BUCKET, bucket);
        }
        return bucket.take(perNano, burst);
    }

    private static final class Bucket {
        private double tokens;
        private long refilledAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }

        synchronized boolean take(double perNano, double burst) {
            long now = System.nanoTime();
            tokens = Math.min(burst, tokens + (now - refilledAt) * perNano);
            refilledAt = now;
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }
    }
}
