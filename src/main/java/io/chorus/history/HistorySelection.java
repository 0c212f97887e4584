package io.chorus.history;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;
import io.chorus.RedisAddress;
import io.chorus.backplane.Backplane;
import io.chorus.redis.DefaultRedisOptions;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.vertx.core.Vertx;

/** History lives where the backplane does: Redis Streams for a cluster, memory for a single replica. */
final class HistorySelection {

    @Produces
    @Singleton
    History history(RedisAddress address, Instance<ReactiveRedisDataSource> redis, DefaultRedisOptions clientOptions,
            Vertx vertx, Backplane backplane, ChorusConfig config) {
        return address.isConfigured()
                ? new RedisHistory(redis.get(), clientOptions, vertx, config.channelPrefix(),
                        config.history().maxLength(), config.history().ttl(), address.isCluster(),
                        config.history().publishWindow())
                : new LocalHistory(backplane, config.history().maxLength(), config.history().ttl(),
                        config.history().maxLocalStreams());
    }

    /** At shutdown: Redis history closes the event loops' own connections. */
    void close(@Disposes History history) {
        if (history instanceof RedisHistory redis) {
            redis.close();
        }
    }
}
