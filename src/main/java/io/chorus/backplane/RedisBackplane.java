package io.chorus.backplane;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * The cluster backplane: Redis pub/sub through the reactive Quarkus Redis client. A publish is one {@code PUBLISH};
 * each subscription holds its own Redis connection and heals itself (see {@link RedisChannelSubscription}).
 */
public final class RedisBackplane implements Backplane {

    private final ReactivePubSubCommands<String> pubsub;
    private final Vertx vertx;
    private final String address;
    private final Backoff backoff;

    public RedisBackplane(ReactiveRedisDataSource redis, Vertx vertx, String address, Duration initialDelay,
            Duration maxDelay) {
        this.pubsub = redis.pubsub(String.class);
        this.vertx = vertx;
        this.address = address;
        this.backoff = new Backoff(initialDelay, maxDelay);
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
        RedisChannelSubscription subscription = new RedisChannelSubscription(
                (onEnd, onFailure) -> pubsub.subscribe(List.of(channel), consumer, onEnd, onFailure), channel, vertx,
                backoff);
        subscription.start();
        return subscription;
    }
}
