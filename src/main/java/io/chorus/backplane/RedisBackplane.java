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
 * <p>
 * Against a Redis Cluster it uses sharded pub/sub instead ({@code SPUBLISH}/{@code SSUBSCRIBE}, Redis 7): each
 * channel lives on the shard that owns its slot, so room and user traffic spreads over the shards rather than being
 * broadcast to every node as classic pub/sub in a cluster is. The Quarkus pub/sub API has no sharded publish, so
 * that one is sent as a plain command.
 */
public final class RedisBackplane implements Backplane, AutoCloseable {

    private final ReactiveRedisDataSource redis;
    private final ReactivePubSubCommands<String> pubsub;
    private final PubSubFlavor flavor;
    private final RedisSubscriber subscriber;
    private final String address;

    /**
     * @param replicaId names this replica's subscriber connection in Redis ({@code chorus-subscriber:<replica>} in
     *        {@code CLIENT LIST})
     */
    public RedisBackplane(ReactiveRedisDataSource redis, Vertx vertx, String replicaId, String address,
            boolean sharded, Duration initialDelay, Duration maxDelay) {
        this.redis = redis;
        this.pubsub = redis.pubsub(String.class);
        this.flavor = sharded ? PubSubFlavor.SHARDED : PubSubFlavor.CLASSIC;
        this.subscriber = new RedisSubscriber(redis.getRedis(), "chorus-subscriber:" + replicaId, flavor, vertx,
                new Backoff(initialDelay, maxDelay));
        this.address = address;
    }

    @Override
    public String description() {
        return (flavor == PubSubFlavor.SHARDED ? "Redis Cluster sharded pub/sub backplane at " : "Redis pub/sub backplane at ")
                + address;
    }

    @Override
    public Uni<Void> publish(String channel, String message) {
        return flavor == PubSubFlavor.SHARDED
                ? redis.execute(flavor.publish, channel, message).replaceWithVoid()
                : pubsub.publish(channel, message);
    }

    @Override
    public Subscription subscribe(String channel, Consumer<String> consumer) {
        return subscriber.subscribe(channel, consumer);
    }

    @Override
    public long reconnects() {
        return subscriber.reconnects();
    }

    /** Closes every subscription and the subscriber connection. */
    @Override
    public void close() {
        subscriber.close();
    }
}
