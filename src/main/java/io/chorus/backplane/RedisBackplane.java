package io.chorus.backplane;

import java.time.Duration;
import java.util.function.Consumer;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * The cluster backplane: Redis pub/sub through the reactive Quarkus Redis client. A publish is one {@code PUBLISH}
 * through the pub/sub API; all subscriptions share one dedicated, self-healing connection ({@link RedisSubscriber}).
 */
public final class RedisBackplane implements Backplane, AutoCloseable {

    private final ReactivePubSubCommands<String> pubsub;
    private final RedisSubscriber subscriber;
    private final String address;

    public RedisBackplane(ReactiveRedisDataSource redis, Vertx vertx, String address, Duration initialDelay,
            Duration maxDelay) {
        this.pubsub = redis.pubsub(String.class);
        this.subscriber = new RedisSubscriber(redis.getRedis(), vertx, new Backoff(initialDelay, maxDelay));
        this.address = address;
    }

    @Override
    public String description() {
        return "Redis pub/sub backplane at " + address;
    }

    @Override
    public Uni<Void> publish(String channel, String message) {
        return pubsub.publish(channel, message);
    }

    @Override
    public Subscription subscribe(String channel, Consumer<String> consumer) {
        return subscriber.subscribe(channel, consumer);
    }

    /** Closes every subscription and the subscriber connection. */
    @Override
    public void close() {
        subscriber.close();
    }
}
